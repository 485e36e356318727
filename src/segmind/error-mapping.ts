import { SegmindError, type SegmindErrorKind } from "./errors";

/**
 * Turns what went wrong on the wire into a `SegmindError`: an HTTP answer by its status and
 * `{"error": ...}` body, a fetch rejection by its undici/Node error code, an abort by whose
 * signal fired. Messages name method, path and status only, never the key.
 */

/** Where the exchange was going, for messages. */
export interface CallSite {
  method: "GET" | "POST";
  path: string;
  /** False for public output URLs: a 401 there is not about our key. */
  keySent: boolean;
}

export interface ErrorBody {
  /** Segmind's `error` text (or the body text, truncated), with the key redacted. */
  message?: string;
  /** The parsed JSON body, when it was JSON. */
  json?: unknown;
}

const MAX_MESSAGE_CHARS = 300;

/** Reads a non-2xx body: JSON `{"error": ...}` when possible, else text. HTML is not read. */
export async function readErrorBody(res: Response, redact: (text: string) => string): Promise<ErrorBody> {
  const contentType = res.headers.get("content-type") ?? "";
  if (res.status === 405 || /html/i.test(contentType)) {
    // Segmind's 405 (and proxies' error pages) are HTML: nothing worth quoting.
    await res.body?.cancel().catch(() => undefined);
    return {};
  }
  const text = (await res.text()).trim();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return text ? { message: truncate(redact(text)) } : {};
  }
  const field = isObject(json) ? (json.error ?? json.message) : undefined;
  const message = typeof field === "string" ? field : text;
  return { message: message ? truncate(redact(message)) : undefined, json };
}

export function errorForStatus(res: Response, body: ErrorBody, site: CallSite): SegmindError {
  const status = res.status;
  const kind = kindForStatus(status, body.message ?? "");
  const upstreamMessage = body.message;
  const message =
    kind === "UNAUTHORIZED" && site.keySent
      ? `Segmind rejected the API key (HTTP ${status})`
      : `Segmind answered HTTP ${status} to ${site.method} ${site.path}${upstreamMessage ? `: ${upstreamMessage}` : ""}`;
  const resetAt = kind === "RATE_LIMITED" ? parseResetAt(res.headers.get("x-rate-limit-reset-at-utc")) : undefined;
  return new SegmindError({ kind, message, httpStatus: status, upstreamMessage, resetAt });
}

function kindForStatus(status: number, upstreamMessage: string): SegmindErrorKind {
  switch (status) {
    case 401:
      return "UNAUTHORIZED";
    case 403:
      return "FORBIDDEN";
    case 404:
      return "NOT_FOUND";
    case 405:
      return "METHOD_NOT_ALLOWED";
    case 406:
      // One status, three meanings; only the message tells them apart.
      if (/credit|balance|spend/i.test(upstreamMessage)) return "INSUFFICIENT_CREDITS";
      if (/content[- ]type/i.test(upstreamMessage)) return "INVALID_CONTENT_TYPE";
      return "REJECTED_INPUT";
    case 408:
      return "TIMEOUT";
    case 410:
      return "MODEL_RETIRED";
    case 429:
      return "RATE_LIMITED";
  }
  if (status >= 500) return "SERVER_ERROR";
  if (status >= 400) return "REJECTED_INPUT"; // 400, 422 and the rest: the request itself was refused
  return "MALFORMED_RESPONSE"; // 1xx/3xx: not an answer the protocol has
}

/**
 * `x-rate-limit-reset-at-utc` has no documented format. Accepts ISO 8601 (a zone-less one is
 * read as UTC, as the name says), RFC 1123 dates, and epoch seconds or milliseconds.
 */
export function parseResetAt(value: string | null): Date | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(text)) {
    const n = Number(text);
    ms = n < 100_000_000_000 ? n * 1000 : n; // below ~1973 in ms means it was seconds
  } else if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text)) {
    ms = Date.parse(`${text.replace(" ", "T")}Z`);
  } else {
    ms = Date.parse(text);
  }
  return Number.isFinite(ms) ? new Date(ms) : undefined;
}

/** Codes that mean no connection was made, so the request never left. */
const CONNECT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EAI_NONAME",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "ENETDOWN",
  "EADDRNOTAVAIL",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_CONNECT",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "CERT_HAS_EXPIRED",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
]);

/** undici's own header/body timers. */
const TIMEOUT_CODES = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

export interface TransportContext {
  site: CallSite;
  /** The HTTP status, when headers had arrived before the failure. */
  httpStatus: number | null;
  timeoutMs: number;
  /** timeoutMs is an idle timeout (nothing arrived for that long), not one for the whole call. */
  idle?: boolean;
  /** The caller's own signal, to tell its abort from our timeout. */
  callerSignal?: AbortSignal;
  /** The combined signal the exchange ran under. */
  signal: AbortSignal;
}

/** Classifies anything thrown while fetching or reading a body that is not already a SegmindError. */
export function errorForTransportFailure(error: unknown, context: TransportContext): SegmindError {
  if (error instanceof SegmindError) return error;
  const { site, httpStatus } = context;
  const where = `${site.method} ${site.path}`;
  if (context.signal.aborted) {
    const byCaller = context.callerSignal?.aborted === true;
    return new SegmindError({
      kind: "TIMEOUT",
      message: byCaller
        ? `The call ${where} was aborted by the caller before Segmind answered in full`
        : context.idle
          ? `Nothing arrived on ${where} for ${context.timeoutMs} ms`
          : `Segmind did not answer ${where} in full within ${context.timeoutMs} ms`,
      httpStatus,
    });
  }
  const codes = errorCodes(error);
  if (codes.some((code) => TIMEOUT_CODES.has(code))) {
    return new SegmindError({ kind: "TIMEOUT", message: `Segmind did not answer ${where} in time (${codes.join(", ")})`, httpStatus });
  }
  // Connect failures can only happen before headers; all codes must agree (happy eyeballs
  // reports one per address tried).
  if (httpStatus === null && codes.length > 0 && codes.every((code) => CONNECT_CODES.has(code))) {
    return new SegmindError({ kind: "CONNECT_FAILED", message: `Could not connect to Segmind for ${where} (${codes[0]})`, httpStatus });
  }
  // Anything else after the request may have left is a drop: it proves nothing about acceptance.
  const detail = codes[0] ?? (error instanceof Error ? error.message : String(error));
  return new SegmindError({ kind: "CONNECTION_DROPPED", message: `The connection to Segmind broke during ${where} (${detail})`, httpStatus });
}

/** Error codes along the `cause` chain, including every member of an AggregateError. */
function errorCodes(error: unknown, depth = 0): string[] {
  if (!isObject(error) || depth > 5) return [];
  const own = typeof error.code === "string" ? [error.code] : [];
  const members = Array.isArray(error.errors) ? error.errors.flatMap((member) => errorCodes(member, depth + 1)) : [];
  if (members.length > 0) return members;
  return [...own, ...errorCodes(error.cause, depth + 1)].filter((code, i, all) => all.indexOf(code) === i);
}

export function malformed(site: CallSite, httpStatus: number, problem: string): SegmindError {
  return new SegmindError({
    kind: "MALFORMED_RESPONSE",
    message: `Segmind answered HTTP ${httpStatus} to ${site.method} ${site.path} but ${problem}`,
    httpStatus,
  });
}

function truncate(text: string): string {
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
