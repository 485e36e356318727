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

/** How current `Credits.balance` is. */
export type CreditsFreshness =
  /** Read from Segmind moments ago (within CREDITS_CACHE_TTL_MS). */
  | 'CACHED'
  /** Read from Segmind for this request. */
  | 'LIVE'
  /** Segmind could not be read now; this is the last balance the gateway saw. */
  | 'STALE'
  /** Segmind could not be read and no earlier balance is known. */
  | 'UNAVAILABLE';

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

/** Several generations in one request, accepted or refused together: up to 50 items, or one item swept over seeds (seeds or seedCount). */
export type GenerateVideosInput = {
  /** Retrying with the same key and input returns the same batch (replayed: true, nothing new stored or charged); with a different input it is an IdempotencyConflictError. Separate from generateVideo's keys. */
  idempotencyKey?: string | null | undefined;
  /** 1 to 50 requests, each checked by generateVideo's rules (errors name the item: FieldError.itemIndex). Leave their idempotencyKey out: the batch's key covers them. With seeds or seedCount: exactly one item, without a seed. */
  items: Array<GenerateVideoInput>;
  /** Optional: a JSON object kept with it and handed back as given (API, webhooks), at most 2048 bytes as JSON and 5 levels deep; never sent upstream. Part of the idempotency check. Kept on the batch (items may have their own). */
  metadata?: unknown;
  /** Seed sweep: this many generations (1 to 50) of the single item, each with a distinct seed chosen by the gateway (derived from the batch id) and recorded (seedSource GATEWAY). */
  seedCount?: number | null | undefined;
  /** Seed sweep: one generation of the single item per seed, in this order; 1 to 50 distinct seeds in the seed range. */
  seeds?: Array<number> | null | undefined;
  /** Optional labels, at most 10, each 1 to 40 characters of a-z, 0-9, "_", "-", ".", ":", starting with a letter or digit, no repeats. Spending is grouped by them (credits.spendingByTag) and generations(filter: { tag }) finds them. Part of the idempotency check. A batch's tags are added to every item's (at most 10 together). */
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

/** Which generations to list; every given condition must hold. */
export type GenerationFilter = {
  /** The generations of one generateVideos batch (its global id or raw UUID). */
  batchId?: string | number | null | undefined;
  /** Inclusive. */
  createdAfter?: string | null | undefined;
  /** Exclusive. */
  createdBefore?: string | null | undefined;
  /** Case-insensitive substring of the prompt. */
  promptContains?: string | null | undefined;
  /** Generations with exactly this seed (e.g. every take of a seed). */
  seed?: number | null | undefined;
  /** Any of these statuses. */
  status?: Array<GenerationStatus> | null | undefined;
  /** Generations carrying this tag (see GenerateVideoInput.tags). */
  tag?: string | null | undefined;
  /** Find the generation that produced a video. */
  videoSha256?: string | null | undefined;
};

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

/** What a ledger entry's amount is based on. */
export type LedgerBasis =
  /** The price table's estimate: every HOLD, and a SETTLE when Segmind billed (or may have billed) the job without reporting its cost. */
  | 'ESTIMATE'
  /** A SETTLE at the cost Segmind reported (x-cost or the v2 metrics). */
  | 'REPORTED_COST'
  /** A RELEASE: Segmind billed nothing. */
  | 'UNBILLED';

/** What a ledger entry does to a hold. */
export type LedgerEntryKind =
  /** The estimate, held when the generation was accepted. */
  | 'HOLD'
  /** Closes the hold with nothing charged: Segmind did not bill it. */
  | 'RELEASE'
  /** Closes the hold at what Segmind charged (see basis). */
  | 'SETTLE';

/** What to change; everything omitted is taken from the source's manifest, the seed included. */
export type RegenerateOverrides = {
  /** true: ask the model to keep the camera still. */
  cameraFixed?: boolean | null | undefined;
  /** For this request; never copied from the source. */
  deadline?: string | null | undefined;
  /** Seconds: 5 or 10. */
  duration?: number | null | undefined;
  /** For this request; never copied from the source. */
  idempotencyKey?: string | null | undefined;
  /** Another first frame: an http(s) URL Segmind can fetch. */
  imageUrl?: string | null | undefined;
  /** 1 to 2000 characters. */
  prompt?: string | null | undefined;
  /** Another size. */
  resolution?: Resolution | null | undefined;
  /** 1 to 999999; omitted: the source's seed (same input, same video). */
  seed?: number | null | undefined;
};

/** The output video's size (16:9). */
export type Resolution =
  /** 1280×720 */
  | 'HD_720P'
  /** 854×480 */
  | 'SD_480P';

/** Who chose a generation's seed. */
export type SeedSource =
  /** The client chose the seed. */
  | 'CLIENT'
  /** The client gave none; the gateway drew it (and recorded it). */
  | 'GATEWAY';

export type GenerationCardFragment = { id: string, status: GenerationStatus, prompt: string, imageUrl: string, duration: number, resolution: Resolution, seed: number, seedSource: SeedSource, cameraFixed: boolean, createdAt: string, completedAt: string | null, resultUrl: string | null, costUsd: number | null, estimatedCostUsd: number | null, latencyMs: number | null, progress: number, estimatedCompletionAt: string | null, queuePosition: number | null, errorCode: GenerationErrorCode | null, errorMessage: string | null, derivedFrom: { id: string } | null };

export type BudgetFieldsFragment = { dailyLimitUsd: number | null, monthlyLimitUsd: number | null, spentTodayUsd: number, spentThisMonthUsd: number, heldUsd: number, remainingTodayUsd: number | null, remainingThisMonthUsd: number | null, maxConcurrent: number | null, activeGenerations: number, requestsPerMinute: number | null, requestsInLastMinute: number, dayResetsAt: string, monthResetsAt: string };

export type StudioSessionQueryVariables = Exact<{ [key: string]: never; }>;


export type StudioSessionQuery = { credits: { upstream: string, freshness: CreditsFreshness, spentUsd: number, billedGenerations: number, lastRemainingCredits: number | null, balance: { credits: number, freeCredits: number, readAt: string } | null, upstreamError: { code: string, message: string } | null, team: { id: string, name: string, budget: { dailyLimitUsd: number | null, monthlyLimitUsd: number | null, spentTodayUsd: number, spentThisMonthUsd: number, heldUsd: number, remainingTodayUsd: number | null, remainingThisMonthUsd: number | null, maxConcurrent: number | null, activeGenerations: number, requestsPerMinute: number | null, requestsInLastMinute: number, dayResetsAt: string, monthResetsAt: string } } | null, keyBudget: { dailyLimitUsd: number | null, monthlyLimitUsd: number | null, spentTodayUsd: number, spentThisMonthUsd: number, heldUsd: number, remainingTodayUsd: number | null, remainingThisMonthUsd: number | null, maxConcurrent: number | null, activeGenerations: number, requestsPerMinute: number | null, requestsInLastMinute: number, dayResetsAt: string, monthResetsAt: string } | null } };

export type StudioLedgerQueryVariables = Exact<{
  first: number;
}>;


export type StudioLedgerQuery = { credits: { ledger: { totalCount: number, edges: Array<{ node: { id: string, kind: LedgerEntryKind, amountUsd: number, basis: LedgerBasis, at: string, generation: { id: string, prompt: string, seed: number } | null } }> } } };

export type StudioEstimateQueryVariables = Exact<{
  duration: number;
  resolution: Resolution;
}>;


export type StudioEstimateQuery = { estimateCost:
    | { __typename: 'CostEstimate', estimateUsd: number }
    | { __typename: 'InvalidInputError', code: ErrorCode, message: string, fields: Array<{ field: string, message: string }> }
   };

export type StudioGenerateMutationVariables = Exact<{
  input: GenerateVideoInput;
}>;


export type StudioGenerateMutation = { generateVideo:
    | { __typename: 'BudgetExceededError', limit: BudgetLimit, scope: BudgetScope, limitValue: number, used: number, spentUsd: number | null, heldUsd: number | null, estimateUsd: number, resetsAt: string | null, code: ErrorCode, message: string }
    | { __typename: 'BusyError', retryAfterMs: number, code: ErrorCode, message: string }
    | { __typename: 'GenerateVideoPayload', replayed: boolean, generation: { id: string, status: GenerationStatus, prompt: string, imageUrl: string, duration: number, resolution: Resolution, seed: number, seedSource: SeedSource, cameraFixed: boolean, createdAt: string, completedAt: string | null, resultUrl: string | null, costUsd: number | null, estimatedCostUsd: number | null, latencyMs: number | null, progress: number, estimatedCompletionAt: string | null, queuePosition: number | null, errorCode: GenerationErrorCode | null, errorMessage: string | null, events: Array<{ sequence: number }>, derivedFrom: { id: string } | null } }
    | { __typename: 'IdempotencyConflictError', idempotencyKey: string, existingGenerationId: string, code: ErrorCode, message: string }
    | { __typename: 'InvalidInputError', code: ErrorCode, message: string, fields: Array<{ field: string, message: string }> }
   };

export type StudioGenerateBatchMutationVariables = Exact<{
  input: GenerateVideosInput;
}>;


export type StudioGenerateBatchMutation = { generateVideos:
    | { __typename: 'BudgetExceededError', limit: BudgetLimit, scope: BudgetScope, limitValue: number, used: number, spentUsd: number | null, heldUsd: number | null, estimateUsd: number, requestedGenerations: number, resetsAt: string | null, code: ErrorCode, message: string }
    | { __typename: 'BusyError', retryAfterMs: number, code: ErrorCode, message: string }
    | { __typename: 'GenerateVideosPayload', replayed: boolean, generations: Array<{ id: string, status: GenerationStatus, prompt: string, imageUrl: string, duration: number, resolution: Resolution, seed: number, seedSource: SeedSource, cameraFixed: boolean, createdAt: string, completedAt: string | null, resultUrl: string | null, costUsd: number | null, estimatedCostUsd: number | null, latencyMs: number | null, progress: number, estimatedCompletionAt: string | null, queuePosition: number | null, errorCode: GenerationErrorCode | null, errorMessage: string | null, events: Array<{ sequence: number }>, derivedFrom: { id: string } | null }> }
    | { __typename: 'IdempotencyConflictError', idempotencyKey: string, existingGenerationId: string, code: ErrorCode, message: string }
    | { __typename: 'InvalidInputError', code: ErrorCode, message: string, fields: Array<{ field: string, message: string, itemIndex: number | null }> }
   };

export type StudioRegenerateMutationVariables = Exact<{
  id: string | number;
  overrides?: RegenerateOverrides | null | undefined;
}>;


export type StudioRegenerateMutation = { regenerateVideo:
    | { __typename: 'BudgetExceededError', limit: BudgetLimit, scope: BudgetScope, limitValue: number, used: number, spentUsd: number | null, heldUsd: number | null, estimateUsd: number, resetsAt: string | null, code: ErrorCode, message: string }
    | { __typename: 'BusyError', retryAfterMs: number, code: ErrorCode, message: string }
    | { __typename: 'GenerationNotFoundError', code: ErrorCode, message: string }
    | { __typename: 'IdempotencyConflictError', code: ErrorCode, message: string }
    | { __typename: 'InvalidInputError', code: ErrorCode, message: string, fields: Array<{ field: string, message: string }> }
    | { __typename: 'RegenerateVideoPayload', replayed: boolean, generation: { id: string, status: GenerationStatus, prompt: string, imageUrl: string, duration: number, resolution: Resolution, seed: number, seedSource: SeedSource, cameraFixed: boolean, createdAt: string, completedAt: string | null, resultUrl: string | null, costUsd: number | null, estimatedCostUsd: number | null, latencyMs: number | null, progress: number, estimatedCompletionAt: string | null, queuePosition: number | null, errorCode: GenerationErrorCode | null, errorMessage: string | null, events: Array<{ sequence: number }>, derivedFrom: { id: string } | null } }
   };

export type StudioCancelMutationVariables = Exact<{
  id: string | number;
}>;


export type StudioCancelMutation = { cancelGeneration:
    | { __typename: 'CancelGenerationPayload', pending: boolean, generation: { id: string, status: GenerationStatus, prompt: string, imageUrl: string, duration: number, resolution: Resolution, seed: number, seedSource: SeedSource, cameraFixed: boolean, createdAt: string, completedAt: string | null, resultUrl: string | null, costUsd: number | null, estimatedCostUsd: number | null, latencyMs: number | null, progress: number, estimatedCompletionAt: string | null, queuePosition: number | null, errorCode: GenerationErrorCode | null, errorMessage: string | null, derivedFrom: { id: string } | null } }
    | { __typename: 'GenerationAlreadyFinalError', code: ErrorCode, message: string }
    | { __typename: 'GenerationNotFoundError', code: ErrorCode, message: string }
   };

export type StudioGalleryQueryVariables = Exact<{
  first: number;
  after?: string | null | undefined;
  filter?: GenerationFilter | null | undefined;
}>;


export type StudioGalleryQuery = { generations: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { id: string, status: GenerationStatus, prompt: string, imageUrl: string, duration: number, resolution: Resolution, seed: number, seedSource: SeedSource, cameraFixed: boolean, createdAt: string, completedAt: string | null, resultUrl: string | null, costUsd: number | null, estimatedCostUsd: number | null, latencyMs: number | null, progress: number, estimatedCompletionAt: string | null, queuePosition: number | null, errorCode: GenerationErrorCode | null, errorMessage: string | null, derivedFrom: { id: string } | null } }> } };

export type StudioGenerationQueryVariables = Exact<{
  id: string | number;
}>;


export type StudioGenerationQuery = { generation: { upstream: string, upstreamMode: string, upstreamRequestId: string | null, videoSha256: string | null, videoBytes: number | null, attempts: number, deadline: string | null, id: string, status: GenerationStatus, prompt: string, imageUrl: string, duration: number, resolution: Resolution, seed: number, seedSource: SeedSource, cameraFixed: boolean, createdAt: string, completedAt: string | null, resultUrl: string | null, costUsd: number | null, estimatedCostUsd: number | null, latencyMs: number | null, progress: number, estimatedCompletionAt: string | null, queuePosition: number | null, errorCode: GenerationErrorCode | null, errorMessage: string | null, manifest: { modelSlug: string, upstream: string, upstreamMode: string, upstreamRequestBody: string, requestedSeed: number | null, seedSource: SeedSource, seed: number, upstreamSeed: number | null, gatewayVersion: string | null, imageUrl: string, imageSha256: string | null, imageBytes: number | null, videoSha256: string | null, videoBytes: number | null, videoContentType: string | null, createdAt: string }, events: Array<{ sequence: number, type: GenerationEventType, at: string, fromStatus: GenerationStatus | null, toStatus: GenerationStatus | null, method: string | null, path: string | null, httpStatus: number | null, durationMs: number | null, attempt: number | null, errorCode: string | null, message: string | null }>, derivations: Array<{ id: string, seed: number, status: GenerationStatus }>, derivedFrom: { id: string } | null } | null };

export type EventFieldsFragment = { sequence: number, type: GenerationEventType, at: string, fromStatus: GenerationStatus | null, toStatus: GenerationStatus | null, method: string | null, path: string | null, httpStatus: number | null, durationMs: number | null, attempt: number | null, errorCode: string | null, message: string | null };

export type StudioRefreshQueryVariables = Exact<{
  ids: Array<string | number> | string | number;
}>;


export type StudioRefreshQuery = { nodes: Array<
    | { id: string, status: GenerationStatus, prompt: string, imageUrl: string, duration: number, resolution: Resolution, seed: number, seedSource: SeedSource, cameraFixed: boolean, createdAt: string, completedAt: string | null, resultUrl: string | null, costUsd: number | null, estimatedCostUsd: number | null, latencyMs: number | null, progress: number, estimatedCompletionAt: string | null, queuePosition: number | null, errorCode: GenerationErrorCode | null, errorMessage: string | null, derivedFrom: { id: string } | null }
    | Record<PropertyKey, never>
   | null> };

export type StudioUpdatesSubscriptionVariables = Exact<{
  after?: number | null | undefined;
}>;


export type StudioUpdatesSubscription = { generationsUpdated: { kind: GenerationUpdateKind, sequence: number, progress: number, estimatedCompletionAt: string | null, generation: { id: string, status: GenerationStatus, prompt: string, imageUrl: string, duration: number, resolution: Resolution, seed: number, seedSource: SeedSource, cameraFixed: boolean, createdAt: string, completedAt: string | null, resultUrl: string | null, costUsd: number | null, estimatedCostUsd: number | null, latencyMs: number | null, progress: number, estimatedCompletionAt: string | null, queuePosition: number | null, errorCode: GenerationErrorCode | null, errorMessage: string | null, derivedFrom: { id: string } | null } } };

export type StudioTimelineSubscriptionVariables = Exact<{
  id: string | number;
  after?: number | null | undefined;
}>;


export type StudioTimelineSubscription = { generationUpdated: { kind: GenerationUpdateKind, sequence: number, progress: number, estimatedCompletionAt: string | null, event: { sequence: number, type: GenerationEventType, at: string, fromStatus: GenerationStatus | null, toStatus: GenerationStatus | null, method: string | null, path: string | null, httpStatus: number | null, durationMs: number | null, attempt: number | null, errorCode: string | null, message: string | null } | null, generation: { id: string, status: GenerationStatus, prompt: string, imageUrl: string, duration: number, resolution: Resolution, seed: number, seedSource: SeedSource, cameraFixed: boolean, createdAt: string, completedAt: string | null, resultUrl: string | null, costUsd: number | null, estimatedCostUsd: number | null, latencyMs: number | null, progress: number, estimatedCompletionAt: string | null, queuePosition: number | null, errorCode: GenerationErrorCode | null, errorMessage: string | null, derivedFrom: { id: string } | null } } };

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
export const GenerationCardFragmentDoc = new TypedDocumentString(`
    fragment GenerationCard on Generation {
  id
  status
  prompt
  imageUrl
  duration
  resolution
  seed
  seedSource
  cameraFixed
  createdAt
  completedAt
  resultUrl
  costUsd
  estimatedCostUsd
  latencyMs
  progress
  estimatedCompletionAt
  queuePosition
  errorCode
  errorMessage
  derivedFrom {
    id
  }
}
    `, {"fragmentName":"GenerationCard"}) as unknown as TypedDocumentString<GenerationCardFragment, unknown>;
export const BudgetFieldsFragmentDoc = new TypedDocumentString(`
    fragment BudgetFields on Budget {
  dailyLimitUsd
  monthlyLimitUsd
  spentTodayUsd
  spentThisMonthUsd
  heldUsd
  remainingTodayUsd
  remainingThisMonthUsd
  maxConcurrent
  activeGenerations
  requestsPerMinute
  requestsInLastMinute
  dayResetsAt
  monthResetsAt
}
    `, {"fragmentName":"BudgetFields"}) as unknown as TypedDocumentString<BudgetFieldsFragment, unknown>;
export const EventFieldsFragmentDoc = new TypedDocumentString(`
    fragment EventFields on GenerationEvent {
  sequence
  type
  at
  fromStatus
  toStatus
  method
  path
  httpStatus
  durationMs
  attempt
  errorCode
  message
}
    `, {"fragmentName":"EventFields"}) as unknown as TypedDocumentString<EventFieldsFragment, unknown>;
export const StudioSessionDocument = new TypedDocumentString(`
    query StudioSession {
  credits {
    upstream
    freshness
    balance {
      credits
      freeCredits
      readAt
    }
    upstreamError {
      code
      message
    }
    spentUsd
    billedGenerations
    lastRemainingCredits
    team {
      id
      name
      budget {
        ...BudgetFields
      }
    }
    keyBudget {
      ...BudgetFields
    }
  }
}
    fragment BudgetFields on Budget {
  dailyLimitUsd
  monthlyLimitUsd
  spentTodayUsd
  spentThisMonthUsd
  heldUsd
  remainingTodayUsd
  remainingThisMonthUsd
  maxConcurrent
  activeGenerations
  requestsPerMinute
  requestsInLastMinute
  dayResetsAt
  monthResetsAt
}`) as unknown as TypedDocumentString<StudioSessionQuery, StudioSessionQueryVariables>;
export const StudioLedgerDocument = new TypedDocumentString(`
    query StudioLedger($first: Int!) {
  credits {
    ledger(first: $first) {
      totalCount
      edges {
        node {
          id
          kind
          amountUsd
          basis
          at
          generation {
            id
            prompt
            seed
          }
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<StudioLedgerQuery, StudioLedgerQueryVariables>;
export const StudioEstimateDocument = new TypedDocumentString(`
    query StudioEstimate($duration: Int!, $resolution: Resolution!) {
  estimateCost(duration: $duration, resolution: $resolution) {
    __typename
    ... on CostEstimate {
      estimateUsd
    }
    ... on InvalidInputError {
      fields {
        field
        message
      }
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<StudioEstimateQuery, StudioEstimateQueryVariables>;
export const StudioGenerateDocument = new TypedDocumentString(`
    mutation StudioGenerate($input: GenerateVideoInput!) {
  generateVideo(input: $input) {
    __typename
    ... on GenerateVideoPayload {
      replayed
      generation {
        ...GenerationCard
        events {
          sequence
        }
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
      limitValue
      used
      spentUsd
      heldUsd
      estimateUsd
      resetsAt
    }
    ... on IdempotencyConflictError {
      idempotencyKey
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
    fragment GenerationCard on Generation {
  id
  status
  prompt
  imageUrl
  duration
  resolution
  seed
  seedSource
  cameraFixed
  createdAt
  completedAt
  resultUrl
  costUsd
  estimatedCostUsd
  latencyMs
  progress
  estimatedCompletionAt
  queuePosition
  errorCode
  errorMessage
  derivedFrom {
    id
  }
}`) as unknown as TypedDocumentString<StudioGenerateMutation, StudioGenerateMutationVariables>;
export const StudioGenerateBatchDocument = new TypedDocumentString(`
    mutation StudioGenerateBatch($input: GenerateVideosInput!) {
  generateVideos(input: $input) {
    __typename
    ... on GenerateVideosPayload {
      replayed
      generations {
        ...GenerationCard
        events {
          sequence
        }
      }
    }
    ... on InvalidInputError {
      fields {
        field
        message
        itemIndex
      }
    }
    ... on BudgetExceededError {
      limit
      scope
      limitValue
      used
      spentUsd
      heldUsd
      estimateUsd
      requestedGenerations
      resetsAt
    }
    ... on IdempotencyConflictError {
      idempotencyKey
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
    fragment GenerationCard on Generation {
  id
  status
  prompt
  imageUrl
  duration
  resolution
  seed
  seedSource
  cameraFixed
  createdAt
  completedAt
  resultUrl
  costUsd
  estimatedCostUsd
  latencyMs
  progress
  estimatedCompletionAt
  queuePosition
  errorCode
  errorMessage
  derivedFrom {
    id
  }
}`) as unknown as TypedDocumentString<StudioGenerateBatchMutation, StudioGenerateBatchMutationVariables>;
export const StudioRegenerateDocument = new TypedDocumentString(`
    mutation StudioRegenerate($id: ID!, $overrides: RegenerateOverrides) {
  regenerateVideo(id: $id, overrides: $overrides) {
    __typename
    ... on RegenerateVideoPayload {
      replayed
      generation {
        ...GenerationCard
        events {
          sequence
        }
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
      limitValue
      used
      spentUsd
      heldUsd
      estimateUsd
      resetsAt
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
    fragment GenerationCard on Generation {
  id
  status
  prompt
  imageUrl
  duration
  resolution
  seed
  seedSource
  cameraFixed
  createdAt
  completedAt
  resultUrl
  costUsd
  estimatedCostUsd
  latencyMs
  progress
  estimatedCompletionAt
  queuePosition
  errorCode
  errorMessage
  derivedFrom {
    id
  }
}`) as unknown as TypedDocumentString<StudioRegenerateMutation, StudioRegenerateMutationVariables>;
export const StudioCancelDocument = new TypedDocumentString(`
    mutation StudioCancel($id: ID!) {
  cancelGeneration(id: $id) {
    __typename
    ... on CancelGenerationPayload {
      pending
      generation {
        ...GenerationCard
      }
    }
    ... on Error {
      code
      message
    }
  }
}
    fragment GenerationCard on Generation {
  id
  status
  prompt
  imageUrl
  duration
  resolution
  seed
  seedSource
  cameraFixed
  createdAt
  completedAt
  resultUrl
  costUsd
  estimatedCostUsd
  latencyMs
  progress
  estimatedCompletionAt
  queuePosition
  errorCode
  errorMessage
  derivedFrom {
    id
  }
}`) as unknown as TypedDocumentString<StudioCancelMutation, StudioCancelMutationVariables>;
export const StudioGalleryDocument = new TypedDocumentString(`
    query StudioGallery($first: Int!, $after: String, $filter: GenerationFilter) {
  generations(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        ...GenerationCard
      }
    }
  }
}
    fragment GenerationCard on Generation {
  id
  status
  prompt
  imageUrl
  duration
  resolution
  seed
  seedSource
  cameraFixed
  createdAt
  completedAt
  resultUrl
  costUsd
  estimatedCostUsd
  latencyMs
  progress
  estimatedCompletionAt
  queuePosition
  errorCode
  errorMessage
  derivedFrom {
    id
  }
}`) as unknown as TypedDocumentString<StudioGalleryQuery, StudioGalleryQueryVariables>;
export const StudioGenerationDocument = new TypedDocumentString(`
    query StudioGeneration($id: ID!) {
  generation(id: $id) {
    ...GenerationCard
    upstream
    upstreamMode
    upstreamRequestId
    videoSha256
    videoBytes
    attempts
    deadline
    manifest {
      modelSlug
      upstream
      upstreamMode
      upstreamRequestBody
      requestedSeed
      seedSource
      seed
      upstreamSeed
      gatewayVersion
      imageUrl
      imageSha256
      imageBytes
      videoSha256
      videoBytes
      videoContentType
      createdAt
    }
    events {
      ...EventFields
    }
    derivations {
      id
      seed
      status
    }
  }
}
    fragment GenerationCard on Generation {
  id
  status
  prompt
  imageUrl
  duration
  resolution
  seed
  seedSource
  cameraFixed
  createdAt
  completedAt
  resultUrl
  costUsd
  estimatedCostUsd
  latencyMs
  progress
  estimatedCompletionAt
  queuePosition
  errorCode
  errorMessage
  derivedFrom {
    id
  }
}
fragment EventFields on GenerationEvent {
  sequence
  type
  at
  fromStatus
  toStatus
  method
  path
  httpStatus
  durationMs
  attempt
  errorCode
  message
}`) as unknown as TypedDocumentString<StudioGenerationQuery, StudioGenerationQueryVariables>;
export const StudioRefreshDocument = new TypedDocumentString(`
    query StudioRefresh($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on Generation {
      ...GenerationCard
    }
  }
}
    fragment GenerationCard on Generation {
  id
  status
  prompt
  imageUrl
  duration
  resolution
  seed
  seedSource
  cameraFixed
  createdAt
  completedAt
  resultUrl
  costUsd
  estimatedCostUsd
  latencyMs
  progress
  estimatedCompletionAt
  queuePosition
  errorCode
  errorMessage
  derivedFrom {
    id
  }
}`) as unknown as TypedDocumentString<StudioRefreshQuery, StudioRefreshQueryVariables>;
export const StudioUpdatesDocument = new TypedDocumentString(`
    subscription StudioUpdates($after: Int) {
  generationsUpdated(after: $after) {
    kind
    sequence
    progress
    estimatedCompletionAt
    generation {
      ...GenerationCard
    }
  }
}
    fragment GenerationCard on Generation {
  id
  status
  prompt
  imageUrl
  duration
  resolution
  seed
  seedSource
  cameraFixed
  createdAt
  completedAt
  resultUrl
  costUsd
  estimatedCostUsd
  latencyMs
  progress
  estimatedCompletionAt
  queuePosition
  errorCode
  errorMessage
  derivedFrom {
    id
  }
}`) as unknown as TypedDocumentString<StudioUpdatesSubscription, StudioUpdatesSubscriptionVariables>;
export const StudioTimelineDocument = new TypedDocumentString(`
    subscription StudioTimeline($id: ID!, $after: Int) {
  generationUpdated(id: $id, after: $after) {
    kind
    sequence
    progress
    estimatedCompletionAt
    event {
      ...EventFields
    }
    generation {
      ...GenerationCard
    }
  }
}
    fragment GenerationCard on Generation {
  id
  status
  prompt
  imageUrl
  duration
  resolution
  seed
  seedSource
  cameraFixed
  createdAt
  completedAt
  resultUrl
  costUsd
  estimatedCostUsd
  latencyMs
  progress
  estimatedCompletionAt
  queuePosition
  errorCode
  errorMessage
  derivedFrom {
    id
  }
}
fragment EventFields on GenerationEvent {
  sequence
  type
  at
  fromStatus
  toStatus
  method
  path
  httpStatus
  durationMs
  attempt
  errorCode
  message
}`) as unknown as TypedDocumentString<StudioTimelineSubscription, StudioTimelineSubscriptionVariables>;