// The gateway as users start it: the compiled build (`node dist/server.js`, built once per
// run by `npm run build`), configured by environment variables, against a Segmind stand-in
// process, with a team that has a budget and an API key made by the keys CLI (dist/keys.js).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { BenchDatabase } from "./databases";
import { type Proc, runScript, startProcess } from "./processes";

export interface StandIn {
  proc: Proc;
  /** Where the gateway reaches it. */
  url: string;
  key: string;
  jobDurationMs: number;
  /** Segmind's completion time of each accepted job, by upstream request id. */
  completions(): Promise<Map<string, number>>;
  /** When a status read first found each job done, by upstream request id (jobs never read done are absent). */
  doneReads(): Promise<Map<string, number>>;
  /** The padding of the videos it serves from now on (see bench/servers/standin.ts). */
  setPadding(bytes: number): Promise<void>;
}

export async function startStandIn(dir: string, name: string, env: { jobMs?: number; paddingBytes?: number } = {}): Promise<StandIn> {
  const key = "SG_bench_standin_key";
  const proc = await startProcess({
    name,
    entry: "bench/servers/standin.ts",
    cwd: dir,
    readyPath: "/info",
    env: { BENCH_STANDIN_KEY: key, BENCH_JOB_MS: String(env.jobMs ?? 3000), BENCH_PADDING_BYTES: String(env.paddingBytes ?? 0) },
  });
  const info = (await (await fetch(`${proc.url}/info`)).json()) as { url: string; jobDurationMs: number };
  return {
    proc,
    url: info.url,
    key,
    jobDurationMs: info.jobDurationMs,
    async completions() {
      const jobs = (await (await fetch(`${proc.url}/jobs`)).json()) as Array<{ requestId: string; completedAtMs: number }>;
      return new Map(jobs.map((job) => [job.requestId, job.completedAtMs]));
    },
    async doneReads() {
      const jobs = (await (await fetch(`${proc.url}/jobs`)).json()) as Array<{ requestId: string; doneReadAtMs?: number }>;
      return new Map(jobs.flatMap((job) => (job.doneReadAtMs === undefined ? [] : [[job.requestId, job.doneReadAtMs] as const])));
    },
    async setPadding(bytes: number) {
      const answer = await fetch(`${proc.url}/padding?bytes=${bytes}`, { method: "POST" });
      if (answer.status !== 204) throw new Error(`the stand-in refused padding ${bytes}: HTTP ${answer.status}`);
    },
  };
}

export interface BenchGateway {
  proc: Proc;
  url: string;
  /** An API key (scopes generate, read) of team "bench", which has a daily and monthly budget. */
  key: string;
  mediaDir: string;
}

/** Creates the team and key on the database with the CLI, then starts the compiled server. */
export async function startGateway(
  dir: string,
  name: string,
  database: BenchDatabase,
  standIn: StandIn,
  env: Record<string, string> = {},
  nodeFlags: string[] = [],
  /** The build to run (another `npm run build` output copied inside the project, for before/after runs; BENCH_DIST sets it for a whole run). */
  dist = process.env.BENCH_DIST ?? "dist",
): Promise<BenchGateway> {
  const key = await createKey(dir, database, dist);
  const mediaDir = join(dir, `${name}-media`);
  mkdirSync(mediaDir, { recursive: true });
  const proc = await startProcess({
    name,
    entry: `${dist}/server.js`,
    // BENCH_CPU_PROF=<dir>: every gateway the bench starts writes a V8 CPU profile there on exit.
    nodeFlags: process.env.BENCH_CPU_PROF ? [...nodeFlags, "--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : nodeFlags,
    cwd: dir,
    env: {
      // As `npm start` launches it (README): libuv's pool at 16 threads.
      UV_THREADPOOL_SIZE: "16",
      DATABASE_URL: database.url,
      MEDIA_DIR: mediaDir,
      SEGMIND_API_KEY: standIn.key,
      SEGMIND_BASE_URL: standIn.url,
      // The sandbox's poll pace; against Segmind the default is 5 s.
      SEGMIND_POLL_INTERVAL_MS: "500",
      WEBHOOK_SECRET_KEY_FILE: join(dir, `${name}-webhook.key`),
      ...env,
      // BENCH_GATEWAY_ENV='{"LOG_LEVEL":"warn"}': extra settings for every gateway of the run (experiments).
      ...(process.env.BENCH_GATEWAY_ENV ? (JSON.parse(process.env.BENCH_GATEWAY_ENV) as Record<string, string>) : {}),
    },
  });
  return { proc, url: proc.url, key, mediaDir };
}

async function createKey(dir: string, database: BenchDatabase, dist: string): Promise<string> {
  const env = { DATABASE_URL: database.url };
  const existing = await runScript(`${dist}/keys.js`, ["team", "list", "--json"], { cwd: dir, env });
  if (!existing.includes('"bench"')) {
    await runScript(`${dist}/keys.js`, ["team", "create", "bench", "--daily-usd", "1000000", "--monthly-usd", "1000000", "--json"], { cwd: dir, env });
  }
  const created = await runScript(`${dist}/keys.js`, ["key", "create", "--team", "bench", "--name", `bench-${Date.now()}`, "--scopes", "generate,read", "--json"], { cwd: dir, env });
  return (JSON.parse(created) as { key: string }).key;
}
