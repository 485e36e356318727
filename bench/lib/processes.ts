// Child processes of a bench run: the compiled gateway, the Segmind stand-in, the floors and
// the Apollo peer. Their output goes to files in the run's directory (piping a busy server's
// access log into this process would cost the load generator CPU); on failure the tail is shown.
import { type ChildProcess, spawn } from "node:child_process";
import { openSync, readFileSync, readdirSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { cpus } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { CONFIG_VARIABLES } from "../../src/config";

export const ROOT = resolve(import.meta.dirname, "../..");
const TSX = import.meta.resolve("tsx");
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export interface Proc {
  name: string;
  pid: number;
  url: string;
  port: number;
  logFile: string;
  /** ms from spawn until it first answered `readyPath`. */
  startupMs: number;
  stop(): Promise<void>;
  log(): string;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

export interface StartOptions {
  name: string;
  /** A .js file run by node, or a .ts file run through tsx. */
  entry: string;
  args?: string[];
  /** Flags for node itself (e.g. --cpu-prof, which NODE_OPTIONS may not carry). */
  nodeFlags?: string[];
  env?: Record<string, string>;
  /** Working directory (the gateway reads .env there): the run's directory, never the repo. */
  cwd: string;
  /** GET this path until it answers (any status but a connection error); default /graphql?query={__typename}. */
  readyPath?: string;
  readyTimeoutMs?: number;
}

/** Spawns a node process on a free port (env PORT) and resolves once it answers HTTP. */
export async function startProcess(options: StartOptions): Promise<Proc> {
  const port = Number(options.env?.PORT ?? (await freePort()));
  const logFile = join(options.cwd, `${options.name}.log`);
  const out = openSync(logFile, "a");
  const inherited = { ...process.env };
  for (const name of CONFIG_VARIABLES) delete inherited[name];
  const entry = resolve(ROOT, options.entry);
  const nodeArgs = [...(options.nodeFlags ?? []), ...(entry.endsWith(".ts") ? ["--import", TSX, entry] : [entry])];
  const started = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, ...(options.args ?? [])], {
    cwd: options.cwd,
    env: { ...inherited, ...options.env, PORT: String(port) },
    stdio: ["ignore", out, out],
  });
  running.add(child);
  let exited = false;
  const closed = new Promise<void>((done) =>
    child.once("exit", () => {
      exited = true;
      running.delete(child);
      done();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const log = () => readFileSync(logFile, "utf8");
  const readyUrl = `${url}${options.readyPath ?? `/graphql?query=${encodeURIComponent("{ __typename }")}`}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (exited) throw new Error(`${options.name} exited before answering:\n${log().slice(-3000)}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${options.name} did not answer within ${options.readyTimeoutMs ?? 60_000} ms:\n${log().slice(-3000)}`);
    }
    try {
      const response = await fetch(readyUrl, { signal: AbortSignal.timeout(2_000) });
      await response.body?.cancel();
      break;
    } catch {
      await new Promise((done) => setTimeout(done, 10));
    }
  }
  const startupMs = performance.now() - started;
  return {
    name: options.name,
    pid: child.pid ?? -1,
    url,
    port,
    logFile,
    startupMs,
    log,
    async stop() {
      if (exited) return;
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await closed;
      clearTimeout(killer);
    },
  };
}

/** Resident set size of a process, from /proc (Linux). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return Number(kib) * 1024;
}

/** CPU time (user + system) a process has used so far, in seconds, from /proc (Linux). */
export function cpuSeconds(pid: number): number {
  return statCpuSeconds(readFileSync(`/proc/${pid}/stat`, "utf8"));
}

/** cpuSeconds summed over several processes (e.g. every gateway instance of a scenario). */
export function totalCpuSeconds(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
}

/** The CPU seconds in the text of a /proc/<pid>/stat file. */
function statCpuSeconds(stat: string): number {
  const fields = stat.split(") ")[1]?.split(" ") ?? [];
  // After "pid (comm) ": state is field 0, utime 11 and stime 12, in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * CPU time (user + system) every PostgreSQL server process on this machine has used so far, in
 * seconds (the postmaster, its background workers and each connection's backend). Backends that
 * exit take their time with them, so read it around a window whose connections stay open.
 */
export function postgresCpuSeconds(): number {
  let total = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (stat.includes("(postgres)")) total += statCpuSeconds(stat);
    } catch {
      // The process ended meanwhile.
    }
  }
  return total;
}

/**
 * The whole machine's CPU time so far, in seconds summed over its cores, from /proc/stat:
 * `busy` (user, nice, system, irq, softirq: any process's work and the kernel's) and `steal`
 * (time the hypervisor gave another guest while this one had work).
 */
export function machineCpuSeconds(): { busy: number; steal: number } {
  const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return { busy: (user + nice + system + irq + softirq) / 100, steal: steal / 100 };
}

/** What settle() waits for by default: below this share of the cores busy over one sample, at most this long. */
export const SETTLE = { busyShare: 0.15, sampleMs: 1_000, maxMs: 10_000 } as const;

/**
 * Waits until the machine has been quiet (busy below `busyShare` of its cores over one
 * `sampleMs`), at most `maxMs`; returns how long it waited, the last sample's share and
 * whether that was quiet. Whatever a scenario may leave behind (e.g. PostgreSQL's autovacuum
 * after a large seed, dirty pages written back, a process still exiting) then runs before the
 * next scenario's measurements, not during them.
 */
export async function settle(options: { busyShare?: number; sampleMs?: number; maxMs?: number } = {}): Promise<{ waitedMs: number; lastShare: number; quiet: boolean }> {
  const { busyShare, sampleMs, maxMs } = { ...SETTLE, ...options };
  const cores = cpus().length;
  const started = performance.now();
  let share = 1;
  do {
    const before = machineCpuSeconds().busy;
    await new Promise((done) => setTimeout(done, sampleMs));
    share = (machineCpuSeconds().busy - before) / ((sampleMs / 1_000) * cores);
  } while (share >= busyShare && performance.now() - started < maxMs);
  return { waitedMs: Math.round(performance.now() - started), lastShare: share, quiet: share < busyShare };
}

/**
 * The CPU time process `pid` (or the processes `source` reads, e.g. postgresCpuSeconds) uses
 * during a load's measured runs, warm-ups left out: pass `onMeasuredRun` to load() and read
 * `seconds()` after it.
 */
export function measuredCpu(source: number | (() => number)): { onMeasuredRun: (phase: "start" | "end") => void; seconds: () => number } {
  const read = typeof source === "number" ? () => cpuSeconds(source) : source;
  let startedAt = 0;
  let total = 0;
  return {
    onMeasuredRun: (phase) => {
      if (phase === "start") startedAt = read();
      else total += read() - startedAt;
    },
    seconds: () => total,
  };
}

/** Runs a node script (tsx for .ts) to completion and returns its stdout. */
export async function runScript(entry: string, args: string[], options: { cwd: string; env?: Record<string, string>; nodeArgs?: string[] }): Promise<string> {
  const file = resolve(ROOT, entry);
  const nodeArgs = [...(options.nodeArgs ?? []), ...(file.endsWith(".ts") ? ["--import", TSX] : []), file];
  const inherited = { ...process.env };
  for (const name of CONFIG_VARIABLES) delete inherited[name];
  const child = spawn(process.execPath, [...nodeArgs, ...args], {
    cwd: options.cwd,
    env: { ...inherited, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((done) => child.once("close", done));
  running.delete(child);
  if (code !== 0) throw new Error(`${entry} ${args.join(" ")} exited ${code}:\n${stderr.slice(-3000)}`);
  return stdout;
}
