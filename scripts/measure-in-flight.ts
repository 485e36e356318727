/**
 * Issue 7's figure: one gateway instance (the compiled build, SQLite by default) holding
 * IN_FLIGHT generations in flight against a Segmind stand-in whose jobs outlast the run.
 * Prints one JSON line: how long accepting and submitting them took, the gateway's RSS before
 * and with them in flight, and a trivial query's latency (p50 / p99 of 200 sequential
 * `{ __typename }`) before and during.
 *
 *   npm run build && npx tsx scripts/measure-in-flight.ts [count] [sqlite|postgresql]
 *   ACCEPTED_ONLY=1 ...   measures as soon as all are accepted (unfinished: queued or upstream)
 *   KEEP_DIR=1 ...        keeps the run's directory (the gateway's and the stand-in's logs)
 *
 * Not part of `npm test` or `npm run bench` (it takes a few minutes at 10,000).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDatabase, type Provider } from "../bench/lib/databases";
import { startGateway, startStandIn } from "../bench/lib/gateway";
import { rssBytes } from "../bench/lib/processes";

const count = Number(process.argv[2] ?? 10_000);
const provider = (process.argv[3] ?? "sqlite") as Provider;
const MiB = 1024 * 1024;

async function trivialLatency(url: string): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < 200; i += 1) {
    const started = performance.now();
    await (await fetch(`${url}/graphql?query=${encodeURIComponent("{ __typename }")}`)).text();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: Math.round(times[100] as number), p99: Math.round(times[197] as number) };
}

const dir = mkdtempSync(join(tmpdir(), "sg-inflight-"));
const standIn = await startStandIn(dir, "standin", { jobMs: 3_600_000 });
const database = await createDatabase(provider, dir, "inflight");
const gateway = await startGateway(dir, "gateway", database, standIn, {
  ALLOW_ANONYMOUS: "true",
  SEGMIND_MAX_RPM: "0",
  SEGMIND_POLL_INTERVAL_MS: "60000",
});
try {
  const before = { rssMiB: rssBytes(gateway.proc.pid) / MiB, ...(await trivialLatency(gateway.url)) };
  const started = performance.now();
  let next = 0;
  let failed = 0;
  const mutation = `mutation($input: GenerateVideoInput!) { generateVideo(input: $input) { __typename } }`;
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < count) {
        const seed = (next += 1);
        const input = { prompt: "in flight", imageUrl: "https://images.example.com/a.png", duration: 5, resolution: "SD_480P", seed };
        const response = await fetch(`${gateway.url}/graphql`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ query: mutation, variables: { input } }),
        });
        const body = (await response.json()) as { data?: { generateVideo?: { __typename: string } } };
        if (body.data?.generateVideo?.__typename !== "GenerateVideoPayload") failed += 1;
      }
    }),
  );
  const acceptedMs = performance.now() - started;
  // All unfinished now (queued or on their way upstream): the figure issue 7 measured.
  const unfinished = { rssMiB: rssBytes(gateway.proc.pid) / MiB, ...(await trivialLatency(gateway.url)) };
  if (process.env.ACCEPTED_ONLY) {
    console.log(
      JSON.stringify({
        provider,
        unfinished: count - failed,
        failed,
        acceptedSeconds: Math.round(acceptedMs / 100) / 10,
        before: { rssMiB: Math.round(before.rssMiB), typenameP50Ms: before.p50, typenameP99Ms: before.p99 },
        unfinishedAll: { rssMiB: Math.round(unfinished.rssMiB), typenameP50Ms: unfinished.p50, typenameP99Ms: unfinished.p99 },
        kibPerGeneration: Math.round(((unfinished.rssMiB - before.rssMiB) * 1024) / Math.max(1, count - failed)),
      }),
    );
  } else {
    // In flight: every one accepted by the stand-in (SUBMITTED or RUNNING), none finished (its
    // jobs last an hour). Read from the gateway's database.
    for (;;) {
      const [row] = await database.sql(`SELECT count(*) AS n FROM "Generation" WHERE "status" IN ('SUBMITTED', 'RUNNING')`);
      const submitted = Number(row?.n);
      if (submitted >= count - failed) break;
      if (performance.now() - started > 900_000) throw new Error(`only ${submitted} submitted`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    const submittedMs = performance.now() - started;
    const during = { rssMiB: rssBytes(gateway.proc.pid) / MiB, ...(await trivialLatency(gateway.url)) };
    console.log(
      JSON.stringify({
        provider,
        inFlight: count - failed,
        failed,
        acceptedSeconds: Math.round(acceptedMs / 100) / 10,
        allSubmittedSeconds: Math.round(submittedMs / 100) / 10,
        before: { rssMiB: Math.round(before.rssMiB), typenameP50Ms: before.p50, typenameP99Ms: before.p99 },
        during: { rssMiB: Math.round(during.rssMiB), typenameP50Ms: during.p50, typenameP99Ms: during.p99 },
        kibPerGeneration: Math.round(((during.rssMiB - before.rssMiB) * 1024) / Math.max(1, count - failed)),
      }),
    );
  }
} finally {
  await gateway.proc.stop();
  await standIn.proc.stop();
  await database.drop();
  if (process.env.KEEP_DIR) process.stderr.write(`kept ${dir} (the processes' logs)\n`);
  else rmSync(dir, { recursive: true, force: true });
}
