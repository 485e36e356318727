import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { type Fault, FaultQueue } from "./faults";
import { type PriceKey, type SandboxContext, type StandInStats } from "./handlers";
import { JobStore, toMicros, toUsd } from "./jobs";
import { MinuteRateLimiter } from "./rate-limit";
import { createRequestHandler } from "./router";

/**
 * A local stand-in for Segmind's Seedance API (v2 async, v1 sync, credits, public output
 * files) that speaks the wire protocol of docs/segmind-api.md. Used by sandbox mode and by
 * every test. Outputs are deterministic; see README.md in this folder for its behaviour.
 */

export type { Fault, FaultKind, FaultRoute } from "./faults";
export type { PriceKey, StandInStats } from "./handlers";
export { FAIL_MARKER } from "./handlers";

export interface StandInOptions {
  /** The only accepted x-api-key. */
  apiKey: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
  /** Simulated dollar balance; default 10. Ignored when `stateFile` already holds one. */
  balanceUsd?: number;
  /** Reported as `free-credits`; never spent. Default 0. */
  freeCreditsUsd?: number;
  /** Submit -> COMPLETED (QUEUED for the first 20 %, then PROCESSING). Default 3000. */
  jobDurationMs?: number;
  /** v1 sync latency before the bytes. Default `jobDurationMs`. */
  syncDelayMs?: number;
  /**
   * Zero bytes added to every output video, in an MP4 `free` box before the stamp (players
   * skip it), so the stand-in can serve large files (the benchmark stores a 50 MiB one). Default 0.
   */
  outputPaddingBytes?: number;
  /** Request records answer 404 this long after submit. Default 1 hour (Segmind's). */
  requestTtlMs?: number;
  /** Output files stay downloadable this long after submit. Default 7 days (Segmind's). */
  outputTtlMs?: number;
  /** The clock for job phases, expiry and rate-limit windows. Default Date.now. */
  now?: () => number;
  /** Dollars per generation; defaults 0.091, 0.182, 0.225, 0.45. */
  prices?: Partial<Record<PriceKey, number>>;
  /** When set, requests and balance persist here (atomically) and are loaded at start. */
  stateFile?: string;
}

export interface SegmindStandIn {
  /** http://HOST:PORT */
  readonly url: string;
  /** Live counters. */
  readonly stats: StandInStats;
  balanceUsd(): number;
  /**
   * Every accepted (billed) v2 job, oldest first: which request id went with which seed;
   * `doneReadAt`: when a status read first found it COMPLETED.
   */
  acceptedJobs(): Array<{ requestId: string; seed: number; prompt: string; createdAt: Date; doneReadAt?: Date }>;
  /** Queues a fault for the next matching request(s). */
  inject(fault: Fault): void;
  /**
   * Drops faults not yet used. A request that gave up before reaching the stand-in leaves
   * its fault queued for whatever comes next; tests clear them between cases.
   */
  clearFaults(): void;
  /** While retired, submit and sync answer 410. */
  setModelRetired(retired: boolean): void;
  /** Beyond this many requests per clock minute: 429 + x-rate-limit-reset-at-utc. null = no limit. */
  setRateLimit(perMinute: number | null): void;
  /**
   * Changes `outputPaddingBytes` for results read and files downloaded from now on (the
   * benchmark warms a gateway with a small video before measuring a 50 MiB one).
   */
  setOutputPadding(bytes: number): void;
  /** Changes how long jobs submitted from now on take. */
  setJobDuration(ms: number): void;
  /** Closes the server and every open socket (hung ones too); waits for state writes. */
  close(): Promise<void>;
}

const DEFAULT_PRICES_USD: Record<PriceKey, number> = {
  "480p:5": 0.091,
  "480p:10": 0.182,
  "720p:5": 0.225,
  "720p:10": 0.45,
};

export async function startSegmindStandIn(options: StandInOptions): Promise<SegmindStandIn> {
  const now = options.now ?? Date.now;
  const jobDurationMs = options.jobDurationMs ?? 3000;
  const store = await JobStore.open({
    now,
    requestTtlMs: options.requestTtlMs ?? 3_600_000,
    outputTtlMs: options.outputTtlMs ?? 7 * 24 * 3_600_000,
    initialBalanceMicros: toMicros(options.balanceUsd ?? 10),
    stateFile: options.stateFile,
  });
  const prices = { ...DEFAULT_PRICES_USD, ...options.prices };
  const ctx: SandboxContext = {
    origin: "", // known once listening
    now,
    store,
    pricesMicros: {
      "480p:5": toMicros(prices["480p:5"]),
      "480p:10": toMicros(prices["480p:10"]),
      "720p:5": toMicros(prices["720p:5"]),
      "720p:10": toMicros(prices["720p:10"]),
    },
    freeCreditsMicros: toMicros(options.freeCreditsUsd ?? 0),
    jobDurationMs,
    syncDelayMs: options.syncDelayMs ?? jobDurationMs,
    outputPaddingBytes: options.outputPaddingBytes ?? 0,
    stats: {
      submitAttempts: 0,
      submitsAccepted: 0,
      syncRuns: 0,
      syncsBilled: 0,
      statusPolls: 0,
      resultFetches: 0,
      downloads: 0,
      creditReads: 0,
      keyedRequestsPerMinute: {},
    },
    modelRetired: false,
  };
  const faults = new FaultQueue();
  const rateLimiter = new MinuteRateLimiter(now);
  const closing = new AbortController();

  const server = createServer(createRequestHandler({ ctx, apiKey: options.apiKey, faults, rateLimiter, closing: closing.signal }));
  const sockets = new Set<Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });

  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  ctx.origin = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

  let closed: Promise<void> | undefined;
  return {
    url: ctx.origin,
    stats: ctx.stats,
    balanceUsd: () => toUsd(store.balanceMicros()),
    acceptedJobs: () =>
      store
        .all()
        .sort((a, b) => a.createdAtMs - b.createdAtMs)
        .map((job) => ({
          requestId: job.id,
          seed: job.seed,
          prompt: job.input.prompt,
          createdAt: new Date(job.createdAtMs),
          doneReadAt: job.doneReadAtMs === undefined ? undefined : new Date(job.doneReadAtMs),
        })),
    inject: (fault) => faults.add(fault),
    clearFaults: () => faults.clear(),
    setModelRetired: (retired) => {
      ctx.modelRetired = retired;
    },
    setRateLimit: (perMinute) => rateLimiter.set(perMinute),
    setOutputPadding: (bytes) => {
      ctx.outputPaddingBytes = bytes;
    },
    setJobDuration: (ms) => {
      ctx.jobDurationMs = ms;
    },
    close: () => {
      closed ??= (async () => {
        closing.abort();
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const socket of sockets) socket.destroy();
        await serverClosed;
        await store.flush();
      })();
      return closed;
    },
  };
}
