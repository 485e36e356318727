// Load from outside the server's process: autocannon, 50 connections, a 1 s warm-up and then
// the measured run. Every answer is checked: a GraphQL error is still HTTP 200, so `expect`
// reads a sample of bodies and a non-2xx or failed check counts as an error.
import { performance } from "node:perf_hooks";
import autocannon from "autocannon";
import type { BenchSettings } from "./settings";

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  /** Bytes per second of responses. */
  throughput: number;
  requests: number;
  /** Transport errors, timeouts, non-2xx answers, and bodies without `expect`. */
  errors: number;
  /** Response bytes of all measured runs together (with BENCH_REPEAT, more than the median run's). */
  measuredBytes: number;
  /** Answers of the measured run whose body lacked `expect`. */
  unexpected: number;
  /** Those answers by kind: the result's __typename or the first error code, e.g. { BusyError: 50 }. */
  unexpectedKinds: Record<string, number>;
}

export interface LoadOptions {
  url: string;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  connections?: number;
  /** Every answer's body must contain this (a GraphQL error is still HTTP 200). */
  expect?: string;
  /** Called as each measured run starts and ends (not around the warm-up), e.g. to read the server's CPU time. */
  onMeasuredRun?: (phase: "start" | "end") => void;
  /** Varies each request (autocannon's setupRequest). */
  setupRequest?: (request: { headers?: Record<string, string> }) => { headers?: Record<string, string> };
}

export async function load(settings: BenchSettings, options: LoadOptions): Promise<LoadResult> {
  const base = {
    url: options.url,
    method: options.method ?? "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json", ...options.headers },
    body: options.body,
    connections: options.connections ?? settings.connections,
    // A queued request on a slow path can wait seconds; count it late rather than lose it.
    timeout: 30,
    requests: [
      {
        ...(options.setupRequest ? { setupRequest: options.setupRequest as never } : {}),
        ...(options.expect
          ? {
              onResponse: (status: number, body: string) => {
                if (body.includes(options.expect as string)) return;
                unexpected++;
                const kind = /"__typename":"(\w+)"/.exec(body)?.[1] ?? /"code":"(\w+)"/.exec(body)?.[1] ?? `HTTP ${status}`;
                unexpectedKinds[kind] = (unexpectedKinds[kind] ?? 0) + 1;
              },
            }
          : {}),
      },
    ],
  };
  let unexpected = 0;
  const unexpectedKinds: Record<string, number> = {};
  await autocannon({ ...base, duration: 1 });
  await drained(options.url);
  // Only the measured runs' answers count; with BENCH_REPEAT the median run (by req/s) is kept.
  const runs: Array<{ result: autocannon.Result; unexpected: number; kinds: Record<string, number> }> = [];
  let measuredBytes = 0;
  for (let i = 0; i < settings.repeat; i++) {
    unexpected = 0;
    for (const kind of Object.keys(unexpectedKinds)) delete unexpectedKinds[kind];
    options.onMeasuredRun?.("start");
    const run = await autocannon({ ...base, duration: settings.durationS });
    options.onMeasuredRun?.("end");
    measuredBytes += run.throughput.total;
    await drained(options.url);
    runs.push({ result: run, unexpected, kinds: { ...unexpectedKinds } });
  }
  runs.sort((a, b) => a.result.requests.average - b.result.requests.average);
  const median = runs[Math.floor(runs.length / 2)] as (typeof runs)[number];
  const result = median.result;
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    throughput: result.throughput.average,
    requests: result.requests.total,
    measuredBytes,
    errors: result.errors + result.timeouts + result.non2xx + median.unexpected,
    unexpected: median.unexpected,
    unexpectedKinds: median.kinds,
  };
}

/**
 * autocannon abandons the requests in flight when a run ends, but the server still works
 * through them: on a slow path (tens of req/s) that is seconds of work that would land in the
 * next measurement. Wait until the server answers a trivial request quickly (at most 60 s).
 */
async function drained(url: string): Promise<void> {
  const probe = new URL("/healthz", url).toString();
  let quick = 0;
  for (const deadline = Date.now() + 60_000; quick < 2 && Date.now() < deadline; ) {
    const started = performance.now();
    try {
      const response = await fetch(probe, { signal: AbortSignal.timeout(30_000) });
      await response.body?.cancel();
    } catch {
      // a timeout is an answer too: still busy
    }
    quick = performance.now() - started < 100 ? quick + 1 : 0;
    if (quick < 2) await new Promise((done) => setTimeout(done, 50));
  }
}

/** "50 BusyError, 2 INTERNAL_SERVER_ERROR", or "" when every answer was as expected. */
export function describeUnexpected(result: LoadResult): string {
  return Object.entries(result.unexpectedKinds)
    .map(([kind, count]) => `${count} ${kind}`)
    .join(", ");
}
