/**
 * Every machine-readable code the gateway hands to clients, each with the description the
 * schema shows. One list per GraphQL enum: a code that is not listed here does not compile
 * where it is produced (the worker's failures, the journal's patches, the error classes), and
 * the schema's enums are built from these lists (src/schema/errors.ts). To add a code, add one
 * line here, then `npm run schema:print`.
 */

/** `Generation.errorCode`: why a generation ended without a video (FAILED, CANCELED, EXPIRED). */
export const GENERATION_ERROR_CODES = {
  // Refused by Segmind: nothing was billed.
  UPSTREAM_UNAUTHORIZED:
    "Segmind rejected the gateway's API key (HTTP 401): an operator must fix SEGMIND_API_KEY. Nothing was billed.",
  UPSTREAM_FORBIDDEN: "The Segmind account may not use this model (HTTP 403). Nothing was billed.",
  INSUFFICIENT_CREDITS:
    "The Segmind account has too few credits for this generation (HTTP 406). Nothing was billed; an operator must top it up.",
  UPSTREAM_BAD_REQUEST:
    "Segmind refused the request's content type (HTTP 406): a fault of the gateway, not of the input. Nothing was billed.",
  UPSTREAM_REJECTED_INPUT:
    "Segmind rejected the input (HTTP 400 or 422, or 406 for another reason), e.g. an image it could not fetch. Nothing was billed.",
  MODEL_NOT_FOUND: "Segmind does not know the model (HTTP 404 on submit). Nothing was billed.",
  UPSTREAM_METHOD_NOT_ALLOWED: "Segmind refused the HTTP method (HTTP 405). Nothing was billed.",
  MODEL_RETIRED: "Segmind has retired this model (HTTP 410). Nothing was billed.",
  RATE_LIMITED:
    "Segmind rate-limited this submit (HTTP 429) too many times in a row. Nothing was billed; lower SEGMIND_MAX_RPM or check the plan.",
  UPSTREAM_UNAVAILABLE:
    "Segmind kept failing (HTTP 5xx, or answers that did not arrive intact) until retries ran out. A refused submit was not billed.",
  UPSTREAM_UNREACHABLE: "The gateway could not connect to Segmind until retries ran out. Nothing was billed.",
  UPSTREAM_OUTAGE:
    "Segmind stayed down (5xx or no connection to every submit, so the gateway's circuit breaker held submits back) for longer than UPSTREAM_OUTAGE_MAX_WAIT_MS while this generation, which had no deadline, waited QUEUED. Nothing was sent while it waited; nothing was billed.",
  // Accepted by Segmind.
  UPSTREAM_JOB_FAILED: "Segmind ran the job and reported it failed. Failed jobs are not billed.",
  UPSTREAM_REQUEST_EXPIRED:
    "Segmind no longer knows the request (HTTP 404 while polling; its records expire an hour after submission). It may have been billed.",
  UPSTREAM_DEADLINE_EXCEEDED:
    "Segmind did not finish within SEGMIND_POLL_DEADLINE_MS of submission; the job may still complete and be billed.",
  RESULT_DOWNLOAD_FAILED:
    "Segmind finished (and billed) the job but the video could not be copied; it stays at upstreamOutputUrl until Segmind deletes it.",
  RESULT_LOST:
    "The gateway stopped while receiving a video from a v1 (synchronous) call; Segmind billed it and offers no way to fetch it again.",
  // Unknown outcome: never resubmitted, because Segmind may have billed it.
  SUBMIT_OUTCOME_UNKNOWN:
    "The submit got no usable answer (a timeout, a dropped connection, an unreadable answer); Segmind may have accepted and billed it, so the gateway did not resubmit.",
  SUBMIT_INTERRUPTED:
    "The gateway stopped while the submit was on the wire and never learned Segmind's answer; it may have been billed, so the gateway did not resubmit.",
  INTERNAL_INCONSISTENCY:
    "A fault of the gateway: the record was past submission without an upstream request id. Report it with the generation's id.",
  // Ended by the client.
  CANCELED:
    "cancelGeneration stopped it (status CANCELED). Segmind has no cancel: errorMessage says what it billed or may bill.",
  DEADLINE_EXCEEDED:
    "Its deadline passed before it finished (status EXPIRED). errorMessage says what Segmind billed or may bill.",
} as const satisfies Record<string, string>;

export type GenerationErrorCode = keyof typeof GENERATION_ERROR_CODES;

/** `Error.code`: the expected failures a mutation or query returns as data. */
export const ERROR_CODES = {
  INVALID_INPUT: "InvalidInputError: the input broke a rule (see `fields`); nothing was stored or sent upstream.",
  IDEMPOTENCY_CONFLICT: "IdempotencyConflictError: the idempotencyKey was used before with a different input.",
  BUDGET_EXCEEDED:
    "BudgetExceededError: the generation would not fit a budget or limit of the team or key; nothing was stored or sent upstream.",
  NOT_FOUND: "GenerationNotFoundError: no generation with this id is visible to the caller.",
  ALREADY_FINAL: "GenerationAlreadyFinalError: the generation already reached a final status.",
  WEBHOOK_ENDPOINT_NOT_FOUND: "WebhookEndpointNotFoundError: no webhook endpoint with this id is visible to the caller.",
  WEBHOOK_DELIVERY_NOT_FOUND: "WebhookDeliveryNotFoundError: no webhook delivery with this id is visible to the caller.",
  WEBHOOK_ENDPOINT_DISABLED: "WebhookEndpointDisabledError: the endpoint is disabled; enable it before sending to it.",
  BUSY: "BusyError: too many of the team's requests at once to check this one against its budget in time; nothing was stored or sent, retry after `retryAfterMs`.",
} as const satisfies Record<string, string>;

export type ErrorCode = keyof typeof ERROR_CODES;
