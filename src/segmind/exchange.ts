import { performance } from "node:perf_hooks";
import { type CallSite, errorForTransportFailure } from "./error-mapping";
import type { SegmindError } from "./errors";
import type { CallOptions, UpstreamCall } from "./types";
import type { Agent } from "undici";

/**
 * One HTTP attempt with a deadline, reported exactly once through `onCall`. The response is
 * handed to `interpret`, which returns the value or throws a SegmindError; anything else
 * thrown (fetch rejections, body read failures) is classified here.
 */

export interface ExchangeRequest {
  site: CallSite;
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** The whole exchange, headers and body. */
  timeoutMs: number;
  /**
   * Instead of `timeoutMs`: the call fails only when nothing arrives for this long (no
   * headers yet, or no body bytes since the last ones), so a slow but moving download of a
   * large file is never cut while a hung one is.
   */
  idleTimeoutMs?: number;
  /** "manual" for API calls: a redirect must not carry the key elsewhere. */
  redirect: RequestRedirect;
  /** Known before the call (status/result); otherwise taken from the answer. */
  requestId?: string;
  /**
   * Sent on a connection of its own, closed after the answer (paid calls: submit, v1 run).
   * A reused keep-alive connection that the server has just closed fails the request before
   * Segmind reads it, and a paid call that fails so is indistinguishable from one Segmind
   * accepted (SUBMIT_OUTCOME_UNKNOWN): 2 of 300 submits under load before this, none of
   * them having reached the stand-in. A new connection costs one handshake per paid call.
   */
  freshConnection?: boolean;
}

/**
 * Node's fetch takes undici's `dispatcher`; no keep-alive (pipelining 0): one connection per
 * request. Loaded at the first paid call, not at start-up (undici is a large module).
 */
let oneShot: Promise<Agent> | undefined;
const oneShotDispatcher = (): Promise<Agent> => (oneShot ??= import("undici").then(({ Agent }) => new Agent({ pipelining: 0 })));

export interface ExchangeScope {
  /** Runs under the call's deadline; bodies streamed after `interpret` returns stay under it. */
  signal: AbortSignal;
  /** Bytes arrived: restarts an idle deadline (`idleTimeoutMs`); does nothing otherwise. */
  progressed: () => void;
  /** Classifies a failure while reading a streamed body later, with this call's context. */
  describeFailure: (error: unknown, httpStatus: number) => SegmindError;
}

export interface Interpreted<T> {
  value: T;
  requestId?: string;
}

export async function exchange<T>(
  fetchImpl: typeof fetch,
  request: ExchangeRequest,
  callOptions: CallOptions | undefined,
  interpret: (res: Response, scope: ExchangeScope) => Promise<Interpreted<T>>,
): Promise<T> {
  const callerSignal = callOptions?.signal;
  const deadline = request.idleTimeoutMs === undefined ? wholeDeadline(request.timeoutMs) : idleDeadline(request.idleTimeoutMs);
  const signal = callerSignal ? AbortSignal.any([deadline.signal, callerSignal]) : deadline.signal;
  const describe = (error: unknown, httpStatus: number | null) =>
    errorForTransportFailure(error, {
      site: request.site,
      httpStatus,
      timeoutMs: request.idleTimeoutMs ?? request.timeoutMs,
      idle: request.idleTimeoutMs !== undefined,
      callerSignal,
      signal,
    });

  const started = performance.now();
  let response: Response | undefined;
  let outcome: { ok: true; value: T; requestId?: string } | { ok: false; error: SegmindError };
  try {
    response = await fetchImpl(request.url, {
      method: request.site.method,
      headers: request.headers,
      body: request.body,
      redirect: request.redirect,
      signal,
      ...(request.freshConnection ? { dispatcher: await oneShotDispatcher() } : {}),
    } as RequestInit);
    deadline.progressed();
    const interpreted = await interpret(response, { signal, describeFailure: describe, progressed: deadline.progressed });
    outcome = { ok: true, value: interpreted.value, requestId: interpreted.requestId };
  } catch (error) {
    outcome = { ok: false, error: describe(error, response?.status ?? null) };
    // An unread body would hold the connection open until the deadline.
    if (response?.body && !response.bodyUsed) await response.body.cancel().catch(() => undefined);
  }

  const call: UpstreamCall = {
    method: request.site.method,
    path: request.site.path,
    httpStatus: response?.status ?? null,
    durationMs: Math.round(performance.now() - started),
  };
  if (!outcome.ok) call.errorKind = outcome.error.kind;
  const requestId = (outcome.ok ? outcome.requestId : undefined) ?? request.requestId ?? response?.headers.get("x-request-id") ?? undefined;
  if (requestId) call.requestId = requestId;
  callOptions?.onCall?.(call);

  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

interface Deadline {
  signal: AbortSignal;
  progressed: () => void;
}

function wholeDeadline(ms: number): Deadline {
  return { signal: AbortSignal.timeout(ms), progressed: () => undefined };
}

/** Aborts once `ms` pass without progress; each `progressed()` starts the wait again. */
function idleDeadline(ms: number): Deadline {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException(`nothing arrived for ${ms} ms`, "TimeoutError")),
    ms,
  );
  // A finished download leaves the timer behind: it must not keep the process alive.
  timer.unref();
  return { signal: controller.signal, progressed: () => void timer.refresh() };
}
