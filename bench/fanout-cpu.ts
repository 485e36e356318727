// Ad-hoc, not part of `npm run bench`: the compiled gateway's CPU per subscription message, for
// before/after comparisons of the SSE fan-out's own cost. The sse scenario's latency swings
// with whatever else the 2 cores do; CPU time from /proc swings less, and the difference
// between a round with 200 subscribers and one with none takes the generations' own work out.
// Also each generation's Segmind done → SUCCEEDED written, watched and not: how much the
// fan-out's load delays the worker.
//   PROVIDER=sqlite|postgresql ROUNDS=3 GENERATIONS=20 SUBSCRIBERS=200 npx tsx bench/fanout-cpu.ts
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BenchDatabase, type Provider, createDatabase, timeMs } from "./lib/databases";
import { startGateway, startStandIn } from "./lib/gateway";
import { GENERATE_INPUT, generate, localId } from "./lib/graphql";
import { cpuSeconds } from "./lib/processes";
import { quantile } from "./lib/report";
import { type Subscriber, subscribe } from "./lib/sse";

const provider = (process.env.PROVIDER ?? "sqlite") as Provider;
const rounds = Number(process.env.ROUNDS ?? 3);
const generations = Number(process.env.GENERATIONS ?? 20);
const subscriberCount = Number(process.env.SUBSCRIBERS ?? 200);
const WATCH = `subscription { generationsUpdated { kind sequence event { type toStatus } generation { id status } } }`;

const dir = mkdtempSync(join(tmpdir(), "fanout-cpu-"));
const standIn = await startStandIn(dir, "standin", { jobMs: 300 });
const database = await createDatabase(provider, dir, `fanout-${provider}`);
// BENCH_DIST=<dir>: another build inside the project (before/after runs from one checkout).
const gateway = await startGateway(dir, "gw", database, standIn, { SEGMIND_MAX_RPM: "0", MAX_SUBSCRIPTIONS_PER_KEY: "0", MAX_SUBSCRIPTIONS_PER_ADDRESS: "0" }, [], process.env.BENCH_DIST ?? "dist");
let seed = 1;

/** Runs `generations` to their final status; the gateway's CPU seconds meanwhile, their ids and Segmind done → written (ms). */
async function batch(): Promise<{ cpu: number; ids: string[]; late: number[] }> {
  const before = cpuSeconds(gateway.proc.pid);
  const ids = await Promise.all(
    Array.from({ length: generations }, async () => {
      const { answer } = await generate(gateway.url, gateway.key, { ...GENERATE_INPUT, seed: seed++ }, 30_000);
      const id = answer.data?.generateVideo?.generation?.id as string | undefined;
      if (!id) throw new Error(`generateVideo failed: ${JSON.stringify(answer).slice(0, 300)}`);
      return id;
    }),
  );
  await waitFinal(database, ids.map(localId));
  const cpu = cpuSeconds(gateway.proc.pid) - before;
  return { cpu, ids, late: await doneToWritten(ids.map(localId)) };
}

try {
  await batch(); // warm-up: compiled paths, the poll schedule's history
  const perMessage: number[] = [];
  const lateAlone: number[] = [];
  const lateWatched: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    const alone = await batch();
    lateAlone.push(...alone.late);
    const subscribers: Subscriber[] = [];
    const headers = { authorization: `Bearer ${gateway.key}` };
    for (let i = 0; i < subscriberCount; i += 20) {
      subscribers.push(...(await Promise.all(Array.from({ length: Math.min(20, subscriberCount - i) }, () => subscribe(gateway.url, WATCH, headers)))));
    }
    await new Promise((done) => setTimeout(done, 500));
    const before = cpuSeconds(gateway.proc.pid);
    const { ids, late } = await batch();
    lateWatched.push(...late);
    const finals = new Set(ids);
    const done = (s: Subscriber) => new Set(s.received.filter((m) => finals.has(m.data?.data?.generationsUpdated?.generation?.id) && ["SUCCEEDED", "FAILED"].includes(m.data?.data?.generationsUpdated?.event?.toStatus)).map((m) => m.data.data.generationsUpdated.generation.id)).size === finals.size;
    for (const deadline = Date.now() + 15_000; Date.now() < deadline && !subscribers.every(done); ) await new Promise((r) => setTimeout(r, 50));
    const watched = cpuSeconds(gateway.proc.pid) - before;
    const messages = subscribers.reduce((sum, s) => sum + s.received.length, 0);
    for (const s of subscribers) s.close();
    await new Promise((done) => setTimeout(done, 500));
    const us = ((watched - alone.cpu) * 1e6) / messages;
    perMessage.push(us);
    console.log(
      `${provider} round ${round}: ${generations} generations alone ${(alone.cpu * 1000).toFixed(0)} ms CPU; watched by ${subscriberCount}: ${(watched * 1000).toFixed(0)} ms, ${messages} messages: ${us.toFixed(1)} µs CPU per message`,
    );
  }
  console.log(`${provider}: median ${quantile(perMessage, 0.5).toFixed(1)} µs of the gateway's CPU per message (${rounds} rounds)`);
  console.log(
    `${provider}: Segmind done → SUCCEEDED written, p50 / p90: alone ${quantile(lateAlone, 0.5)} / ${quantile(lateAlone, 0.9)} ms; watched ${quantile(lateWatched, 0.5)} / ${quantile(lateWatched, 0.9)} ms (${lateWatched.length} generations)`,
  );
} finally {
  await gateway.proc.stop();
  await standIn.proc.stop();
  await database.drop();
  rmSync(dir, { recursive: true, force: true });
}

async function doneToWritten(ids: string[]): Promise<number[]> {
  const completions = await standIn.completions();
  const rows = await database.sql(`SELECT "upstreamRequestId", "completedAt" FROM "Generation" WHERE id IN (${ids.map((id) => `'${id}'`).join(", ")})`);
  return rows
    .map((row) => (timeMs(row.completedAt) ?? Number.NaN) - (completions.get(String(row.upstreamRequestId)) ?? Number.NaN))
    .filter((ms) => Number.isFinite(ms))
    .map((ms) => Math.round(ms));
}

async function waitFinal(db: BenchDatabase, ids: string[]): Promise<void> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
    const rows = await db.sql(`SELECT COUNT(*) AS n FROM "Generation" WHERE status IN ('SUCCEEDED', 'FAILED') AND id IN (${ids.map((id) => `'${id}'`).join(", ")})`);
    if (Number(rows[0]?.n) === ids.length) return;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error("generations not final within 30 s");
}
