/**
 * Every way a Segmind call can fail, as one typed error. `notAccepted` is the fact the
 * worker needs before it may repeat a billed submit: true only when the failure proves
 * Segmind did not accept (and will not bill) the job.
 */
export type SegmindErrorKind =
  | "UNAUTHORIZED" // 401: bad or missing key — an operator problem
  | "FORBIDDEN" // 403: model not allowed for the account
  | "INSUFFICIENT_CREDITS" // 406 "Insufficient credits"
  | "INVALID_CONTENT_TYPE" // 406 "Invalid content type"
  | "REJECTED_INPUT" // 400, 422 on submit, 406 with another message
  | "JOB_FAILED" // v2 job ran and failed (422 FAILED body)
  | "NOT_FOUND" // 404: unknown slug, or unknown/expired request id
  | "METHOD_NOT_ALLOWED" // 405 (HTML body)
  | "MODEL_RETIRED" // 410
  | "RATE_LIMITED" // 429; see resetAt
  | "SERVER_ERROR" // 5xx
  | "CONNECT_FAILED" // no connection was made: the request never left
  | "CONNECTION_DROPPED" // connection reset/closed after the request was sent
  | "TIMEOUT" // no (complete) answer within the call's timeout
  | "MALFORMED_RESPONSE"; // a 2xx whose body is not what the protocol says

export class SegmindError extends Error {
  override readonly name = "SegmindError";
  readonly kind: SegmindErrorKind;
  readonly httpStatus: number | null;
  /** Segmind's own `error` text, when it sent one (never contains our key). */
  readonly upstreamMessage?: string;
  /** From `x-rate-limit-reset-at-utc` on 429. */
  readonly resetAt?: Date;

  constructor(args: {
    kind: SegmindErrorKind;
    message: string;
    httpStatus?: number | null;
    upstreamMessage?: string;
    resetAt?: Date;
  }) {
    super(args.message);
    this.kind = args.kind;
    this.httpStatus = args.httpStatus ?? null;
    this.upstreamMessage = args.upstreamMessage;
    this.resetAt = args.resetAt;
  }

  /** Worth trying again later (for a GET always safe; for a submit only if also notAccepted). */
  get transient(): boolean {
    return TRANSIENT.has(this.kind);
  }

  /**
   * The failure proves the job was not accepted, so nothing was billed. Segmind bills only
   * HTTP 200, so any non-2xx answer proves it; no connection at all proves it too. A timeout,
   * a dropped connection or an unreadable 200 does not.
   */
  get notAccepted(): boolean {
    if (this.kind === "CONNECT_FAILED") return true;
    return this.httpStatus !== null && (this.httpStatus < 200 || this.httpStatus >= 300);
  }
}

const TRANSIENT: ReadonlySet<SegmindErrorKind> = new Set([
  "RATE_LIMITED",
  "SERVER_ERROR",
  "CONNECT_FAILED",
  "CONNECTION_DROPPED",
  "TIMEOUT",
]);

export function isSegmindError(error: unknown): error is SegmindError {
  return error instanceof SegmindError;
}
