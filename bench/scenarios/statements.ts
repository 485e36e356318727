// SQL statements, counted at the driver, not timed: one generateVideo request (API key, team
// budget, audit), one history page (first: 50 with events and manifest) and one generation's
// whole life (request to SUCCEEDED, worker included), on SQLite and PostgreSQL. The gateway
// runs in this process here (counting needs its drivers), with the sandbox's pace (3 s jobs,
// polls every 500 ms).
// Issue 8: 81 statements, 12 transactions and 12 advisory-lock takes per lifetime on
// PostgreSQL today; target: halved, and no lock serialising every event write.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { auditSealsIdle } from "../../src/audit/seal";
import { openDatabase } from "../../src/db/client";
import { createGateway, type Gateway } from "../../src/gateway";
import { createFsMediaStore } from "../../src/media/fs-store";
import { startSegmindStandIn } from "../../src/sandbox/standin";
import { createSegmindClient } from "../../src/segmind/client";
import { type BenchContext, type Scenario, eachProvider } from "../lib/context";
import { type BenchDatabase, createDatabase } from "../lib/databases";
import { GENERATE, GENERATE_INPUT, PAGE } from "../lib/graphql";
import { runScript } from "../lib/processes";
import { cloneGenerations } from "../lib/seed";
import { type StatementCount, countStatements, installCounter } from "../lib/statement-counter";

const KEY = "SG_bench_statements_key";
const keepSql = process.env.BENCH_SHOW_SQL === "1";

export const statements: Scenario = {
  name: "statements",
  async run(ctx: BenchContext) {
    installCounter();
    await eachProvider(ctx, "statements", async (provider) => {
      const database = await createDatabase(provider, ctx.dir, `statements-${provider}`);
      const env = { DATABASE_URL: database.url };
      await runScript("dist/keys.js", ["team", "create", "bench", "--daily-usd", "1000000", "--monthly-usd", "1000000"], { cwd: ctx.dir, env });
      const created = await runScript("dist/keys.js", ["key", "create", "--team", "bench", "--name", "bench", "--scopes", "generate,read", "--json"], { cwd: ctx.dir, env });
      const apiKey = (JSON.parse(created) as { key: string }).key;
      const standIn = await startSegmindStandIn({ apiKey: KEY, jobDurationMs: 3_000, balanceUsd: 1_000 });
      const opened = await openDatabase(database.url);
      const mediaDir = join(ctx.dir, `statements-${provider}-media`);
      mkdirSync(mediaDir, { recursive: true });
      const make = () =>
        createGateway({
          db: opened.db,
          databaseProvider: opened.provider,
          segmind: createSegmindClient({ baseUrl: standIn.url, apiKey: KEY, timeoutMs: 5_000, syncTimeoutMs: 5_000, downloadIdleTimeoutMs: 5_000 }),
          media: createFsMediaStore(mediaDir),
          upstream: { name: "segmind", mode: "v2" },
          publicUrl: "http://gateway.bench",
          worker: { pollIntervalMs: 500, sweepIntervalMs: 600_000 },
          imageFetcher: null,
        });
      const running = make();
      const idle = make(); // never started: its requests run no worker steps
      await running.start();
      const gql = async (gateway: Gateway, query: string, variables: Record<string, unknown>) => {
        const response = await gateway.yoga.fetch("http://gateway.bench/graphql", {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
          body: JSON.stringify({ query, variables }),
        });
        return (await response.json()) as { data?: any; errors?: unknown };
      };
      try {
        // One life: from the request until the row is final (the worker's every step).
        let id = "";
        const life = await countStatements(async () => {
          const answer = await gql(running, GENERATE, { input: GENERATE_INPUT });
          const raw = Buffer.from(String(answer.data?.generateVideo?.generation?.id), "base64").toString();
          id = raw.slice(raw.indexOf(":") + 1);
          await waitFinal(database, id);
          // PostgreSQL chains the last transition's audit entry after its commit: count that too.
          await auditSealsIdle(opened.db);
        }, { keepSql });
        const status = (await opened.db.generation.findUnique({ where: { id } }))?.status;
        if (status !== "SUCCEEDED") throw new Error(`the counted generation ended ${status}`);
        await gql(idle, GENERATE, { input: GENERATE_INPUT }); // warm (key lastUsedAt, caches)
        await auditSealsIdle(opened.db);
        const request = await countStatements(async () => {
          await gql(idle, GENERATE, { input: GENERATE_INPUT });
          // The seal of its GENERATION_CREATED entry runs after the answer (PostgreSQL): counted with it.
          await auditSealsIdle(opened.db);
        }, { keepSql });
        // BENCH_SHOW_SQL=1: the statements themselves on stderr, to see what a change saves.
        if (keepSql) for (const [what, count] of [["request", request], ["life", life]] as const) process.stderr.write(`--- ${provider} ${what}\n${count.sql?.map((sql) => sql.replace(/\s+/g, " ").slice(0, 240)).join("\n")}\n`);
        await cloneGenerations(database, { id, events: 0 }, { count: 60, prefix: "019", events: "all" });
        const page = await countStatements(async () => {
          const answer = await gql(idle, PAGE, { first: 50 });
          if (answer.errors) throw new Error(JSON.stringify(answer.errors));
        });
        const scenario = `statements ${provider}`;
        const show = (count: StatementCount) =>
          `${count.statements} statements, ${count.transactions} transactions${provider === "postgresql" ? `, ${count.advisoryLocks} advisory locks` : ""}`;
        ctx.report.add({ scenario, figure: "one generateVideo request", value: show(request) });
        ctx.report.add({ scenario, figure: "one page, first: 50 with events and manifest", value: show(page), target: "constant per page (DataLoader)" });
        ctx.report.add({
          scenario,
          figure: "one generation's life (request → SUCCEEDED)",
          value: show(life),
          // Issue 8's baselines: 81 on PostgreSQL, 80 on SQLite (bench/RESULTS.md, the first runs).
          target: provider === "postgresql" ? "≤ 40 (half of 81); 0 global locks" : "≤ 40 (half of 80)",
          pass: provider === "postgresql" ? life.statements <= 40 && life.advisoryLocks === 0 : life.statements <= 40,
        });
      } finally {
        await running.stop();
        await opened.close();
        await standIn.close();
        await database.drop();
      }
    });
    ctx.report.note("statements: counted at the drivers (pg Client.query; libsql execute/batch/transaction/commit), so BEGIN, COMMIT and pragmas count; the first-frame fingerprint is off there (no outside fetch).");
  },
};

/** Waits for the row to be final, reading it through the bench's own (uncounted) connection. */
async function waitFinal(database: BenchDatabase, id: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const [row] = await database.sql(`SELECT status FROM "Generation" WHERE id = '${id}'`);
    if (["SUCCEEDED", "FAILED", "CANCELED", "EXPIRED"].includes(String(row?.status))) return;
    if (Date.now() > deadline) throw new Error(`generation ${id} still ${String(row?.status)} after 30 s`);
    await new Promise((done) => setTimeout(done, 50));
  }
}
