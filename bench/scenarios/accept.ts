// The accept path: generateVideo with an API key, a team budget (hold in the ledger) and the
// audit trail, as a client sends it; every answer must be a GenerateVideoPayload (counted in
// the database afterwards). Target: >= 500 req/s and p99 < 100 ms at 50 connections; then
// the same with 100,000 settled ledger entries for the team this month (as fast).
import { type BenchContext, type Scenario, eachProvider } from "../lib/context";
import { createDatabase } from "../lib/databases";
import { startGateway } from "../lib/gateway";
import { GENERATE, GENERATE_INPUT } from "../lib/graphql";
import { describeUnexpected, load } from "../lib/load";
import { measuredCpu, postgresCpuSeconds } from "../lib/processes";
import { fmt } from "../lib/report";

const HISTORY = 100_000;

export const accept: Scenario = {
  name: "accept",
  async run(ctx: BenchContext) {
    await eachProvider(ctx, "accept", async (provider) => {
      const database = await createDatabase(provider, ctx.dir, `accept-${provider}`);
      const gateway = await startGateway(ctx.dir, `accept-${provider}`, database, ctx.standIn);
      try {
        // CPU over the measured runs: the gateway's (its worker runs what it accepted meanwhile)
        // and PostgreSQL's server processes'; steadier than latency on a shared 2-core machine.
        const gatewayCpu = measuredCpu(gateway.proc.pid);
        const postgresCpu = provider === "postgresql" ? measuredCpu(postgresCpuSeconds) : null;
        const run = (cpu?: { gateway: typeof gatewayCpu; postgres: typeof postgresCpu }) =>
          load(ctx.settings, {
            url: `${gateway.url}/graphql`,
            headers: { authorization: `Bearer ${gateway.key}` },
            body: JSON.stringify({ query: GENERATE, variables: { input: GENERATE_INPUT } }),
            expect: '"GenerateVideoPayload"',
            onMeasuredRun: cpu
              ? (phase) => {
                  cpu.gateway.onMeasuredRun(phase);
                  cpu.postgres?.onMeasuredRun(phase);
                }
              : undefined,
          });
        const result = await run({ gateway: gatewayCpu, postgres: postgresCpu });
        const [row] = await database.sql(`SELECT COUNT(*) AS n FROM "Generation"`);
        const accepted = Number(row?.n);
        const scenario = `accept ${provider}`;
        ctx.report.add({
          scenario,
          figure: "generateVideo req/s",
          value: fmt.rps(result.rps),
          floor: `hello ${fmt.rps(ctx.helloRps)}`,
          ratio: result.rps / ctx.helloRps,
          target: "≥ 500 req/s",
          pass: result.rps >= 500,
        });
        ctx.report.add({ scenario, figure: "generateVideo p99 (p50)", value: `${fmt.ms(result.p99)} (${fmt.ms(result.p50)})`, target: "p99 < 100 ms", pass: result.requests > 0 && result.p99 < 100 });
        const perRequest = (seconds: number) => `${((seconds * 1000) / Math.max(1, result.requests)).toFixed(2)} ms`;
        ctx.report.add({
          scenario,
          figure: postgresCpu ? "CPU per answered request: the gateway (its worker's steps included) / PostgreSQL's processes" : "CPU per answered request: the gateway (its worker's steps included)",
          value: postgresCpu ? `${perRequest(gatewayCpu.seconds())} / ${perRequest(postgresCpu.seconds())}` : perRequest(gatewayCpu.seconds()),
        });
        ctx.report.add({
          scenario,
          figure: "failed answers (errors, timeouts, non-2xx, not a payload)",
          value: `${result.errors} of ${result.requests}${result.unexpected ? ` (${describeUnexpected(result)})` : ""}; ${accepted} generations stored`,
          target: "0",
          // No answer at all in the window is a failure too, not a clean run.
          pass: result.requests > 0 && result.errors === 0,
        });
        // The same team with 100,000 settled ledger entries this month: admission must not
        // sum the month on every request (issue 8).
        await database.sql(
          database.provider === "sqlite"
            ? `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${HISTORY})
               INSERT INTO "LedgerEntry" ("teamId", "apiKeyId", "generationId", kind, "amountUsd", "createdAt")
               SELECT l."teamId", l."apiKeyId", l."generationId", 'SETTLE', 0.001, l."createdAt" FROM n, (SELECT * FROM "LedgerEntry" LIMIT 1) l`
            : `INSERT INTO "LedgerEntry" ("teamId", "apiKeyId", "generationId", kind, "amountUsd", "createdAt")
               SELECT l."teamId", l."apiKeyId", l."generationId", 'SETTLE', 0.001, l."createdAt" FROM generate_series(1, ${HISTORY}), (SELECT * FROM "LedgerEntry" LIMIT 1) l`,
        );
        const history = await run();
        ctx.report.add({
          scenario,
          figure: "generateVideo req/s, the team having 100,000 settled ledger entries this month",
          value: `${fmt.rps(history.rps)}, p99 ${fmt.ms(history.p99)}${history.errors ? `, ${history.errors} failed${history.unexpected ? ` (${describeUnexpected(history)})` : ""}` : ""}`,
          floor: `same team before: ${fmt.rps(result.rps)}`,
          ratio: history.rps / result.rps,
          target: "as fast (≥ 0.8 × before, for noise)",
          pass: history.requests > 0 && history.rps >= 0.8 * result.rps && history.errors === 0,
        });
      } finally {
        await gateway.proc.stop();
        await database.drop();
      }
    });
  },
};
