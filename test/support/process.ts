import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CONFIG_VARIABLES } from "../../src/config";

/**
 * The gateway as a real OS process (src/server.ts through tsx), for tests of what only a
 * process has: exit codes, signals, stdout/stderr, restarts.
 *
 * `node --import tsx` rather than `npx tsx`: one process (npx and the tsx CLI each add a parent
 * that must relay signals, and an unrelayed SIGKILL would orphan the server), and ~0.5 s faster.
 * The working directory is an empty one of this test run's own unless a test gives one: the
 * gateway reads `.env` from it, and a developer's `.env` must never reach a test.
 */
export const REPO_ROOT = resolve(import.meta.dirname, "../..");
const SERVER_ENTRY = join(REPO_ROOT, "src/server.ts");
const TSX_LOADER = import.meta.resolve("tsx");
const EMPTY_DIR = mkdtempSync(join(tmpdir(), "sg-cwd-"));

/** Every child this module started and has not yet seen exit: `stopAllGateways` ends them. */
const running = new Set<ChildProcess>();

// Last line of defence if a test file dies without its afterAll: never leave a server behind.
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
  rmSync(EMPTY_DIR, { recursive: true, force: true });
});

export interface ExitResult {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface GatewayProcess {
  /** http://127.0.0.1:<port>, where the process listens. */
  url: string;
  port: number;
  pid: number;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves once the process has exited (whoever ended it). */
  exited: Promise<ExitResult>;
  signal(signal: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<ExitResult>;
}

/** A port nothing listens on right now (bind to 0, read it, release it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", done);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

export interface GatewayDirs {
  root: string;
  databaseUrl: string;
  mediaDir: string;
  remove(): void;
}

/**
 * A private SQLite file and media dir. MEDIA_DIR is a subfolder on purpose: sandbox mode keeps
 * its state file next to it (MEDIA_DIR/..), which must not be shared with other test runs.
 */
export function makeGatewayDirs(): GatewayDirs {
  const root = mkdtempSync(join(tmpdir(), "sg-process-"));
  const mediaDir = join(root, "media");
  mkdirSync(mediaDir);
  return {
    root,
    databaseUrl: `file:${join(root, "gateway.db")}`,
    mediaDir,
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/**
 * The parent's environment minus every gateway variable (a developer's SEGMIND_API_KEY must
 * never turn a sandbox test into a paid one), plus `env`.
 */
function childEnvironment(env: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = { ...process.env };
  for (const name of CONFIG_VARIABLES) delete inherited[name];
  return { ...inherited, ...env };
}

export interface SpawnOptions {
  /** The working directory (where `.env` is read from); default an empty directory. */
  cwd?: string;
  /** Run the compiled build (`node dist/server.js`, see `npm run build`) instead of the source through tsx. */
  compiled?: boolean;
  /** The process's limit on open files (`ulimit -n`), e.g. 1024 as many hosts set it. */
  maxOpenFiles?: number;
}

/** The compiled entry (`npm run build` writes it). */
export const COMPILED_ENTRY = join(REPO_ROOT, "dist/server.js");

/** Starts the process and returns at once; see `startGateway` to also wait until it answers. */
export function spawnGateway(env: Record<string, string>, options: SpawnOptions = {}): GatewayProcess {
  const port = Number(env.PORT);
  const args = options.compiled ? [COMPILED_ENTRY] : ["--import", TSX_LOADER, SERVER_ENTRY];
  // With a file limit: bash sets it and then becomes node (exec), so the pid is the server's.
  const [command, argv] =
    options.maxOpenFiles === undefined
      ? [process.execPath, args]
      : ["bash", ["-c", `ulimit -n ${Math.trunc(options.maxOpenFiles)} && exec "$0" "$@"`, process.execPath, ...args]];
  const child = spawn(command, argv, {
    cwd: options.cwd ?? EMPTY_DIR,
    env: childEnvironment(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));

  // "close" rather than "exit": by then stdout/stderr have been read to the end.
  const exited = new Promise<ExitResult>((done) => {
    child.once("close", (code, signal) => {
      running.delete(child);
      done({ code, signal });
    });
  });
  const sendSignal = (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid ?? -1,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    signal: sendSignal,
    async stop(graceMs = 10_000) {
      sendSignal("SIGTERM");
      const killer = setTimeout(() => sendSignal("SIGKILL"), graceMs);
      const result = await exited;
      clearTimeout(killer);
      return result;
    },
  };
}

export interface StartOptions extends SpawnOptions {
  /** Give up (and kill the process) after this long. */
  readyTimeoutMs?: number;
}

/**
 * Spawns the gateway on a free port and resolves once it is ready: it has logged
 * "seedance-gateway listening" (signal handlers are installed from then on) and answers a
 * GraphQL request. Rejects with its output if it exits or times out first.
 */
export async function startGateway(
  env: Record<string, string>,
  options: StartOptions = {},
): Promise<GatewayProcess> {
  const port = env.PORT ?? String(await freePort());
  const gateway = spawnGateway({ ...env, PORT: port }, options);
  try {
    // Below info (the default) the "listening" line is never written; answering HTTP is then the only sign.
    const logsListening = ["info", "debug"].includes(env.LOG_LEVEL ?? "info");
    await waitUntilReady(gateway, logsListening, options.readyTimeoutMs ?? 30_000);
    return gateway;
  } catch (error) {
    await gateway.stop(1_000);
    throw error;
  }
}

async function waitUntilReady(gateway: GatewayProcess, logsListening: boolean, timeoutMs: number) {
  let exit: ExitResult | undefined;
  void gateway.exited.then((result) => (exit = result));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exit) {
      throw new Error(
        `gateway exited before it was ready (code ${exit.code}, signal ${exit.signal})\n${gateway.stderr()}`,
      );
    }
    if (Date.now() > deadline) {
      throw new Error(`gateway not ready after ${timeoutMs} ms\nstderr:\n${gateway.stderr()}`);
    }
    const listening = !logsListening || gateway.stderr().includes("seedance-gateway listening");
    if (listening && (await answersGraphQL(gateway.url))) return;
    await new Promise((done) => setTimeout(done, 50));
  }
}

async function answersGraphQL(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/graphql?query=${encodeURIComponent("{ __typename }")}`, {
      signal: AbortSignal.timeout(2_000),
    });
    await response.body?.cancel();
    // 401: it answers, but wants a key (anonymous use is off once SEGMIND_API_KEY is set).
    return response.ok || response.status === 401;
  } catch {
    return false;
  }
}

/** For afterAll: ends every gateway this file started that is still running. */
export async function stopAllGateways(): Promise<void> {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((done) => {
          child.once("close", () => done());
          child.kill("SIGTERM");
          setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
        }),
    ),
  );
}

/** POSTs one GraphQL operation to a running gateway (the plain client's view). */
export async function postGraphQL<T = any>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ data?: T; errors?: Array<{ message: string }>; raw: string }> {
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json" },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(10_000),
  });
  const raw = await response.text();
  return { ...(JSON.parse(raw) as { data?: T; errors?: Array<{ message: string }> }), raw };
}

/** The mutation a client sends first (the README's quick start). */
export const GENERATE_VIDEO = `mutation Generate($input: GenerateVideoInput!) {
  generateVideo(input: $input) {
    __typename
    ... on GenerateVideoPayload { generation { id status } }
    ... on Error { code message }
  }
}`;

export const QUICK_START_INPUT = {
  prompt: "A paper boat drifts across a rain puddle at dawn",
  imageUrl: "https://example.com/a.png",
  duration: 5,
  resolution: "SD_480P",
  seed: 7,
};

const GENERATION_STATUS = `query Status($id: ID!) {
  generation(id: $id) { status resultUrl videoSha256 errorCode errorMessage }
}`;

export interface GenerationStatusView {
  status: string;
  resultUrl: string | null;
  videoSha256: string | null;
  errorCode: string | null;
  errorMessage: string | null;
}

/** Polls over HTTP until the generation reaches a final state (SUCCEEDED or FAILED). */
export async function waitForFinalStatus(
  gateway: GatewayProcess,
  id: string,
  timeoutMs = 30_000,
): Promise<GenerationStatusView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { data, errors } = await postGraphQL<{ generation: GenerationStatusView | null }>(
      gateway.url,
      GENERATION_STATUS,
      { id },
    );
    if (errors) throw new Error(`generation query failed: ${JSON.stringify(errors)}`);
    const generation = data?.generation;
    if (generation && (generation.status === "SUCCEEDED" || generation.status === "FAILED")) return generation;
    if (Date.now() > deadline) {
      throw new Error(
        `generation ${id} still ${generation?.status} after ${timeoutMs} ms; gateway stderr:\n${gateway.stderr()}`,
      );
    }
    await new Promise((done) => setTimeout(done, 100));
  }
}
