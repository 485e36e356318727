// Ad-hoc, not part of `npm run bench`: the gateway's CPU per generation lifetime, worker
// included, in process (the statements scenario's setup), for before/after comparisons of the
// worker's own cost. PROVIDER=sqlite|postgresql COUNT=200 npx tsx bench/worker-cpu.ts
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../src/db/client";
import { createGateway } from "../src/gateway";
import { createFsMediaStore } from "../src/media/fs-store";
import { startSegmindStandIn } from "../src/sandbox/standin";
import { createSegmindClient } from "../src/segmind/client";
import { createDatabase, type Provider } from "./lib/databases";
import { GENERATE, GENERATE_INPUT } from "./lib/graphql";

const provider = (process.env.PROVIDER ?? "sqlite") as Provider;
const count = Number(process.env.COUNT ?? 200);
const dir = mkdtempSync(join(tmpdir(), "worker-cpu-"));
const database = await createDatabase(provider, dir, `worker-cpu-${provider}`);
const KEY = "SG_worker_cpu_key";
const standIn = await startSegmindStandIn({ apiKey: KEY, jobDurationMs: 300, balanceUsd: 100_000 });
const opened = await openDatabase(database.url);
const gateway = createGateway({
  db: opened.db,
  databaseProvider: opened.provider,
  segmind: createSegmindClient({ baseUrl: standIn.url, apiKey: KEY, timeoutMs: 5_000, syncTimeoutMs: 5_000, downloadIdleTimeoutMs: 5_000 }),
  media: createFsMediaStore(join(dir, "media")),
  upstream: { name: "sandbox", mode: "v2" },
  publicUrl: "http://gateway.bench",
  worker: { pollIntervalMs: 100, sweepIntervalMs: 600_000 },
  imageFetcher: null,
});
await gateway.start();
const run = async (n: number) => {
  const answers = [];
  for (let i = 0; i < n; i++) {
    const response = await gateway.yoga.fetch("http://gateway.bench/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: GENERATE, variables: { input: { ...GENERATE_INPUT, seed: i + 1 } } }),
    });
    answers.push(await response.json());
  }
  await gateway.services.worker.idle();
  return answers;
};
await run(20); // warm-up
const started = process.cpuUsage();
const wall = performance.now();
await run(count);
const used = process.cpuUsage(started);
const done = await opened.db.generation.count({ where: { status: "SUCCEEDED" } });
console.log(`${provider}: ${((used.user + used.system) / 1000 / count).toFixed(2)} ms CPU per generation (request and worker), ${count} in ${Math.round(performance.now() - wall)} ms; ${done} SUCCEEDED`);
await gateway.stop();
await opened.close();
await standIn.close();
await database.drop();
