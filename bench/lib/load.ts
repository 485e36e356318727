// Load from outside the server's process: autocannon, 50 connections, a 1 s warm-up and then
// the measured run. Every answer is checked: a GraphQL error is still HTTP 200, so `expect`
// reads a sample of bodies and a non-2xx or failed check counts as an error.
import autocannon from "autocannon";
import type { BenchSettings } from "./settings";

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  /** Bytes per second of responses. */
  throughput: number;
  requests: number;
  /** Requests of the warm-up and the measured run together (what the server saw). */
  allRequests: number;
  /** Transport errors, timeouts, non-2xx answers, and bodies without `expect`. */
  errors: number;
  /** Answers whose body lacked `expect` (warm-up included). */
  unexpected: number;
}

export interface LoadOptions {
  url: string;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  connections?: number;
  /** Every answer's body must contain this (a GraphQL error is still HTTP 200). */
  expect?: string;
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
          ? { onResponse: (_status: number, body: string) => void (body.includes(options.expect as string) || unexpected++) }
          : {}),
      },
    ],
  };
  let unexpected = 0;
  const warmUp = await autocannon({ ...base, duration: 1 });
  const result = await autocannon({ ...base, duration: settings.durationS });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    throughput: result.throughput.average,
    requests: result.requests.total,
    allRequests: result.requests.total + warmUp.requests.total,
    errors: result.errors + result.timeouts + result.non2xx + unexpected,
    unexpected,
  };
}
