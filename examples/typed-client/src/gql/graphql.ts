/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** Which limit a generation would have broken. */
export type BudgetLimit =
  /** Generations in progress (not in a final status). */
  | 'CONCURRENT'
  /** Dollars per calendar UTC day (settled + held). */
  | 'DAILY_USD'
  /** Dollars per calendar UTC month (settled + held). */
  | 'MONTHLY_USD'
  /** Generations started in the last 60 seconds. */
  | 'REQUESTS_PER_MINUTE';

/** Whose limit it is. */
export type BudgetScope =
  /** The limit is the calling API key's own. */
  | 'KEY'
  /** The limit is the team's (shared by all its keys). */
  | 'TEAM';

/** The `code` of an expected failure (the `Error` interface): one per error type, so a client can switch on it exhaustively. */
export type ErrorCode =
  /** GenerationAlreadyFinalError: the generation already reached a final status. */
  | 'ALREADY_FINAL'
  /** BudgetExceededError: the generation would not fit a budget or limit of the team or key; nothing was stored or sent upstream. */
  | 'BUDGET_EXCEEDED'
  /** BusyError: too many of the team's requests at once to check this one against its budget in time; nothing was stored or sent, retry after `retryAfterMs`. */
  | 'BUSY'
  /** IdempotencyConflictError: the idempotencyKey was used before with a different input. */
  | 'IDEMPOTENCY_CONFLICT'
  /** InvalidInputError: the input broke a rule (see `fields`); nothing was stored or sent upstream. */
  | 'INVALID_INPUT'
  /** GenerationNotFoundError: no generation with this id is visible to the caller. */
  | 'NOT_FOUND'
  /** WebhookDeliveryNotFoundError: no webhook delivery with this id is visible to the caller. */
  | 'WEBHOOK_DELIVERY_NOT_FOUND'
  /** WebhookEndpointDisabledError: the endpoint is disabled; enable it before sending to it. */
  | 'WEBHOOK_ENDPOINT_DISABLED'
  /** WebhookEndpointNotFoundError: no webhook endpoint with this id is visible to the caller. */
  | 'WEBHOOK_ENDPOINT_NOT_FOUND';

/** One image-to-video request: Seedance's parameters plus the gateway's own (idempotencyKey, deadline). */
export type GenerateVideoInput = {
  /** true: ask the model to keep the camera still. */
  cameraFixed?: boolean | null | undefined;
  /** Optional; must be in the future. If it is not finished by then, the gateway stops working on it and marks it EXPIRED (recording what Segmind may still bill). Not part of the idempotency check: a replay returns the first generation as it was. */
  deadline?: string | null | undefined;
  /** Seconds: 5 or 10. */
  duration: number;
  /** Retrying with the same key and input returns the first generation instead of paying twice. */
  idempotencyKey?: string | null | undefined;
  /** The first frame: an http(s) URL Segmind can fetch. */
  imageUrl: string;
  /** Optional: a JSON object kept with it and handed back as given (API, webhooks), at most 2048 bytes as JSON and 5 levels deep; never sent upstream. Part of the idempotency check. */
  metadata?: unknown;
  /** What should happen; 1 to 2000 characters. */
  prompt: string;
  /** The video's size: SD_480P or HD_720P. */
  resolution: Resolution;
  /** 1 to 999999; omitted: the gateway draws one and records it. */
  seed?: number | null | undefined;
  /** Optional labels, at most 10, each 1 to 40 characters of a-z, 0-9, "_", "-", ".", ":", starting with a letter or digit, no repeats. Spending is grouped by them (credits.spendingByTag) and generations(filter: { tag }) finds them. Part of the idempotency check. */
  tags?: Array<string> | null | undefined;
};

/** Why a generation ended without a video (`Generation.errorCode`, with the details in `errorMessage`). Each says whether Segmind billed it. */
export type GenerationErrorCode =
  /** cancelGeneration stopped it (status CANCELED). Segmind has no cancel: errorMessage says what it billed or may bill. */
  | 'CANCELED'
  /** Its deadline passed before it finished (status EXPIRED). errorMessage says what Segmind billed or may bill. */
  | 'DEADLINE_EXCEEDED'
  /** The Segmind account has too few credits for this generation (HTTP 406). Nothing was billed; an operator must top it up. */
  | 'INSUFFICIENT_CREDITS'
  /** A fault of the gateway: the record was past submission without an upstream request id. Report it with the generation's id. */
  | 'INTERNAL_INCONSISTENCY'
  /** Segmind does not know the model (HTTP 404 on submit). Nothing was billed. */
  | 'MODEL_NOT_FOUND'
  /** Segmind has retired this model (HTTP 410). Nothing was billed. */
  | 'MODEL_RETIRED'
  /** Segmind rate-limited this submit (HTTP 429) too many times in a row. Nothing was billed; lower SEGMIND_MAX_RPM or check the plan. */
  | 'RATE_LIMITED'
  /** Segmind finished (and billed) the job but the video could not be copied; it stays at upstreamOutputUrl until Segmind deletes it. */
  | 'RESULT_DOWNLOAD_FAILED'
  /** The gateway stopped while receiving a video from a v1 (synchronous) call; Segmind billed it and offers no way to fetch it again. */
  | 'RESULT_LOST'
  /** The gateway stopped while the submit was on the wire and never learned Segmind's answer; it may have been billed, so the gateway did not resubmit. */
  | 'SUBMIT_INTERRUPTED'
  /** The submit got no usable answer (a timeout, a dropped connection, an unreadable answer); Segmind may have accepted and billed it, so the gateway did not resubmit. */
  | 'SUBMIT_OUTCOME_UNKNOWN'
  /** Segmind refused the request's content type (HTTP 406): a fault of the gateway, not of the input. Nothing was billed. */
  | 'UPSTREAM_BAD_REQUEST'
  /** Segmind did not finish within SEGMIND_POLL_DEADLINE_MS of submission; the job may still complete and be billed. */
  | 'UPSTREAM_DEADLINE_EXCEEDED'
  /** The Segmind account may not use this model (HTTP 403). Nothing was billed. */
  | 'UPSTREAM_FORBIDDEN'
  /** Segmind ran the job and reported it failed. Failed jobs are not billed. */
  | 'UPSTREAM_JOB_FAILED'
  /** Segmind refused the HTTP method (HTTP 405). Nothing was billed. */
  | 'UPSTREAM_METHOD_NOT_ALLOWED'
  /** Segmind stayed down (5xx or no connection to every submit, so the gateway's circuit breaker held submits back) for longer than UPSTREAM_OUTAGE_MAX_WAIT_MS while this generation, which had no deadline, waited QUEUED. Nothing was sent while it waited; nothing was billed. */
  | 'UPSTREAM_OUTAGE'
  /** Segmind rejected the input (HTTP 400 or 422, or 406 for another reason), e.g. an image it could not fetch. Nothing was billed. */
  | 'UPSTREAM_REJECTED_INPUT'
  /** Segmind no longer knows the request (HTTP 404 while polling; its records expire an hour after submission). It may have been billed. */
  | 'UPSTREAM_REQUEST_EXPIRED'
  /** Segmind rejected the gateway's API key (HTTP 401): an operator must fix SEGMIND_API_KEY. Nothing was billed. */
  | 'UPSTREAM_UNAUTHORIZED'
  /** Segmind kept failing (HTTP 5xx, or answers that did not arrive intact) until retries ran out. A refused submit was not billed. */
  | 'UPSTREAM_UNAVAILABLE'
  /** The gateway could not connect to Segmind until retries ran out. Nothing was billed. */
  | 'UPSTREAM_UNREACHABLE';

/** What a GenerationEvent records. */
export type GenerationEventType =
  /** Anything else worth keeping. */
  | 'NOTE'
  /** A safe retry was scheduled after a transient failure. */
  | 'RETRY_SCHEDULED'
  /** The status moved (fromStatus → toStatus). */
  | 'STATUS_CHANGED'
  /** One HTTP exchange with Segmind (method, path, httpStatus, durationMs). */
  | 'UPSTREAM_CALL'
  /** Segmind is down (the gateway's circuit breaker on submits is open): the generation stays QUEUED, uses no submit attempt, and goes when Segmind answers again. One per generation per outage; the message says why and until when it waits. */
  | 'WAITING_FOR_UPSTREAM';

/** Where a generation is in its life. SUCCEEDED, FAILED, CANCELED and EXPIRED are final. */
export type GenerationStatus =
  /** Final: cancelGeneration stopped the gateway's work on it (errorCode CANCELED). */
  | 'CANCELED'
  /** Final: its deadline passed before it finished (errorCode DEADLINE_EXCEEDED). */
  | 'EXPIRED'
  /** Final: it ended without a video; errorCode and errorMessage say why and whether it was billed. */
  | 'FAILED'
  /** Recorded, waiting for a worker (or for a scheduled retry, or for Segmind's rate limit); see queuePosition. */
  | 'QUEUED'
  /** Segmind reports it processing. */
  | 'RUNNING'
  /** Segmind finished; the gateway is copying the video into its own storage. */
  | 'STORING'
  /** Segmind accepted it (upstreamRequestId is set) and has it queued. */
  | 'SUBMITTED'
  /** The submit is on the wire to Segmind; no upstream id yet. */
  | 'SUBMITTING'
  /** Final: the video is stored at resultUrl. */
  | 'SUCCEEDED';

/** Why a GenerationUpdate was sent. */
export type GenerationUpdateKind =
  /** A new entry of the generation's history (see `event`). */
  | 'EVENT'
  /** A progress tick while nothing else happened. */
  | 'PROGRESS';

/** The output video's size (16:9). */
export type Resolution =
  /** 1280×720 */
  | 'HD_720P'
  /** 854×480 */
  | 'SD_480P';

export type GenerateVideoMutationVariables = Exact<{
  input: GenerateVideoInput;
}>;


export type GenerateVideoMutation = { generateVideo:
    | { __typename: 'BudgetExceededError', limit: BudgetLimit, scope: BudgetScope, estimateUsd: number, resetsAt: string | null, code: ErrorCode, message: string }
    | { __typename: 'BusyError', retryAfterMs: number, code: ErrorCode, message: string }
    | { __typename: 'GenerateVideoPayload', replayed: boolean, generation: { id: string, status: GenerationStatus, seed: number, estimatedCostUsd: number | null } }
    | { __typename: 'IdempotencyConflictError', existingGenerationId: string, code: ErrorCode, message: string }
    | { __typename: 'InvalidInputError', code: ErrorCode, message: string, fields: Array<{ field: string, message: string }> }
   };

export type GenerationUpdatedSubscriptionVariables = Exact<{
  id: string | number;
  after?: number | null | undefined;
}>;


export type GenerationUpdatedSubscription = { generationUpdated: { kind: GenerationUpdateKind, sequence: number, progress: number, estimatedCompletionAt: string | null, event: { type: GenerationEventType, toStatus: GenerationStatus | null } | null, generation: { id: string, status: GenerationStatus, seed: number, duration: number, resolution: Resolution, resultUrl: string | null, videoSha256: string | null, videoBytes: number | null, costUsd: number | null, latencyMs: number | null, queuePosition: number | null, errorCode: GenerationErrorCode | null, errorMessage: string | null } } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const GenerateVideoDocument = new TypedDocumentString(`
    mutation GenerateVideo($input: GenerateVideoInput!) {
  generateVideo(input: $input) {
    __typename
    ... on GenerateVideoPayload {
      replayed
      generation {
        id
        status
        seed
        estimatedCostUsd
      }
    }
    ... on InvalidInputError {
      fields {
        field
        message
      }
    }
    ... on BudgetExceededError {
      limit
      scope
      estimateUsd
      resetsAt
    }
    ... on IdempotencyConflictError {
      existingGenerationId
    }
    ... on BusyError {
      retryAfterMs
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<GenerateVideoMutation, GenerateVideoMutationVariables>;
export const GenerationUpdatedDocument = new TypedDocumentString(`
    subscription GenerationUpdated($id: ID!, $after: Int) {
  generationUpdated(id: $id, after: $after) {
    kind
    sequence
    progress
    estimatedCompletionAt
    event {
      type
      toStatus
    }
    generation {
      id
      status
      seed
      duration
      resolution
      resultUrl
      videoSha256
      videoBytes
      costUsd
      latencyMs
      queuePosition
      errorCode
      errorMessage
    }
  }
}
    `) as unknown as TypedDocumentString<GenerationUpdatedSubscription, GenerationUpdatedSubscriptionVariables>;