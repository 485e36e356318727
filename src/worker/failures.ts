import type { GenerationErrorCode } from "../error-codes";
import type { SegmindError } from "../segmind/errors";

export interface GenerationFailure {
  /** Listed, with its description for clients, in src/error-codes.ts. */
  errorCode: GenerationErrorCode;
  errorMessage: string;
}

type Phase = "submit" | "poll" | "result" | "download";

/**
 * Turns an upstream failure into the error a generation record keeps. Messages say what
 * happened and what it means for billing; they quote Segmind's own text, never our key.
 */
export function describeFailure(error: SegmindError, phase: Phase): GenerationFailure {
  const upstream = error.upstreamMessage ? ` Segmind said: "${error.upstreamMessage}".` : "";
  const status = error.httpStatus !== null ? ` (HTTP ${error.httpStatus})` : "";
  const fail = (errorCode: GenerationErrorCode, text: string): GenerationFailure => ({
    errorCode,
    errorMessage: `${text}${status}.${upstream}`,
  });

  if (phase === "submit" && !error.notAccepted) {
    return fail(
      "SUBMIT_OUTCOME_UNKNOWN",
      `The submit got no usable answer (${error.kind}); Segmind may have accepted and billed it, so the gateway did not resubmit`,
    );
  }
  switch (error.kind) {
    case "UNAUTHORIZED":
      return fail("UPSTREAM_UNAUTHORIZED", "Segmind rejected the gateway's API key; an operator must fix SEGMIND_API_KEY");
    case "FORBIDDEN":
      return fail("UPSTREAM_FORBIDDEN", "The Segmind account may not use this model");
    case "INSUFFICIENT_CREDITS":
      return fail("INSUFFICIENT_CREDITS", "The Segmind account has too few credits for this generation; nothing was billed");
    case "INVALID_CONTENT_TYPE":
      return fail("UPSTREAM_BAD_REQUEST", "Segmind refused the request's content type");
    case "REJECTED_INPUT":
      return fail("UPSTREAM_REJECTED_INPUT", "Segmind rejected the input; nothing was billed");
    case "JOB_FAILED":
      return fail("UPSTREAM_JOB_FAILED", "Segmind ran the job and it failed; failed jobs are not billed");
    case "NOT_FOUND":
      return phase === "submit"
        ? fail("MODEL_NOT_FOUND", "Segmind does not know this model")
        : fail("UPSTREAM_REQUEST_EXPIRED", "Segmind no longer knows this request (its records expire an hour after submission)");
    case "METHOD_NOT_ALLOWED":
      return fail("UPSTREAM_METHOD_NOT_ALLOWED", "Segmind refused the HTTP method");
    case "MODEL_RETIRED":
      return fail("MODEL_RETIRED", "Segmind has retired this model");
    case "RATE_LIMITED":
      return fail("RATE_LIMITED", "Segmind kept rate-limiting the gateway; retries are exhausted");
    case "SERVER_ERROR":
      return fail("UPSTREAM_UNAVAILABLE", "Segmind kept failing with server errors; retries are exhausted");
    case "CONNECT_FAILED":
      return fail("UPSTREAM_UNREACHABLE", "The gateway could not connect to Segmind; retries are exhausted");
    case "CONNECTION_DROPPED":
    case "TIMEOUT":
    case "MALFORMED_RESPONSE":
      return fail(
        phase === "download" ? "RESULT_DOWNLOAD_FAILED" : "UPSTREAM_UNAVAILABLE",
        `Segmind's answer did not arrive intact (${error.kind}); retries are exhausted`,
      );
  }
}
