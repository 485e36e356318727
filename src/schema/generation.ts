import { decodeGlobalID } from "@pothos/plugin-relay";
import { GraphQLError } from "graphql";
import { requireScope } from "../auth/principal";
import {
  type CancelResult,
  GenerationAlreadyFinalError,
  GenerationNotFoundError,
  cancelGeneration,
} from "../generations/cancel";
import { BudgetExceededError } from "../budget/ledger";
import { BusyError } from "../db/contention";
import { IdempotencyConflictError, createGeneration } from "../generations/create";
import { clientIdempotencyKey } from "../generations/idempotency-scope";
import { selectedEventColumns } from "../generations/event-selection";
import { selectedPageColumns } from "../generations/generation-selection";
import { listGenerations } from "../generations/list";
import { GENERATION_STATUSES, type GenerationEventType, type GenerationStatus } from "../generations/status";
import type { GenerationEventRow, GenerationRow } from "../generations/types";
import { InvalidInputError, PROMPT_MAX_LENGTH, SEED_MAX, SEED_MIN } from "../generations/validation";
import {
  METADATA_MAX_BYTES,
  METADATA_MAX_DEPTH,
  TAG_RULE,
  TAGS_MAX_COUNT,
  parseMetadata,
  parseTags,
} from "../generations/labels";
import { isUuid } from "../ids";
import { mediaUrlFor } from "../media/keys";
import type { GenerationErrorCode } from "../error-codes";
import { builder } from "./builder";
import { GenerationErrorCodeEnum } from "./error-codes";

const STATUS_DESCRIPTIONS: Record<GenerationStatus, string> = {
  QUEUED: "Recorded, waiting for a worker (or for a scheduled retry, or for Segmind's rate limit); see queuePosition.",
  SUBMITTING: "The submit is on the wire to Segmind; no upstream id yet.",
  SUBMITTED: "Segmind accepted it (upstreamRequestId is set) and has it queued.",
  RUNNING: "Segmind reports it processing.",
  STORING: "Segmind finished; the gateway is copying the video into its own storage.",
  SUCCEEDED: "Final: the video is stored at resultUrl.",
  FAILED: "Final: it ended without a video; errorCode and errorMessage say why and whether it was billed.",
  CANCELED: "Final: cancelGeneration stopped the gateway's work on it (errorCode CANCELED).",
  EXPIRED: "Final: its deadline passed before it finished (errorCode DEADLINE_EXCEEDED).",
};

export const GenerationStatusEnum = builder.enumType("GenerationStatus", {
  description: "Where a generation is in its life. SUCCEEDED, FAILED, CANCELED and EXPIRED are final.",
  values: Object.fromEntries(
    GENERATION_STATUSES.map((status) => [status, { value: status, description: STATUS_DESCRIPTIONS[status] }]),
  ) as {
    [S in GenerationStatus]: { value: S; description: string };
  },
});

export const ResolutionEnum = builder.enumType("Resolution", {
  description: "The output video's size (16:9).",
  values: {
    SD_480P: { value: "480p", description: "854×480" },
    HD_720P: { value: "720p", description: "1280×720" },
  } as const,
});

export const SeedSourceEnum = builder.enumType("SeedSource", {
  description: "Who chose a generation's seed.",
  values: {
    CLIENT: { description: "The client chose the seed." },
    GATEWAY: { description: "The client gave none; the gateway drew it (and recorded it)." },
  } as const,
});

const EventTypeEnum = builder.enumType("GenerationEventType", {
  description: "What a GenerationEvent records.",
  values: {
    STATUS_CHANGED: { description: "The status moved (fromStatus → toStatus)." },
    UPSTREAM_CALL: { description: "One HTTP exchange with Segmind (method, path, httpStatus, durationMs)." },
    RETRY_SCHEDULED: { description: "A safe retry was scheduled after a transient failure." },
    WAITING_FOR_UPSTREAM: {
      description:
        "Segmind is down (the gateway's circuit breaker on submits is open): the generation stays QUEUED, uses no submit attempt, and goes when Segmind answers again. One per generation per outage; the message says why and until when it waits.",
    },
    NOTE: { description: "Anything else worth keeping." },
  } as const,
});

export const GenerationEventRef = builder.objectRef<GenerationEventRow>("GenerationEvent").implement({
  description: "One entry of a generation's history, in order.",
  fields: (t) => ({
    sequence: t.exposeInt("id", { description: "Increases monotonically across all generations." }),
    type: t.field({ type: EventTypeEnum, description: "What it records.", resolve: (event) => event.type as GenerationEventType }),
    at: t.field({ type: "DateTime", description: "When it happened.", resolve: (event) => event.createdAt }),
    fromStatus: t.field({
      type: GenerationStatusEnum,
      nullable: true,
      description: "STATUS_CHANGED: the status it left; null otherwise.",
      resolve: (e) => e.fromStatus as GenerationStatus | null,
    }),
    toStatus: t.field({
      type: GenerationStatusEnum,
      nullable: true,
      description: "STATUS_CHANGED: the status it entered; null otherwise.",
      resolve: (e) => e.toStatus as GenerationStatus | null,
    }),
    method: t.exposeString("method", { nullable: true, description: "UPSTREAM_CALL: the HTTP method (GET or POST)." }),
    path: t.exposeString("path", { nullable: true, description: "Upstream path (no host, no key)." }),
    httpStatus: t.exposeInt("httpStatus", { nullable: true, description: "null when no HTTP answer arrived." }),
    durationMs: t.exposeInt("durationMs", { nullable: true, description: "UPSTREAM_CALL: how long the exchange took." }),
    attempt: t.exposeInt("attempt", { nullable: true, description: "Which attempt of a submit or download (1 = the first)." }),
    errorCode: t.exposeString("errorCode", {
      nullable: true,
      description:
        "On a move into FAILED, CANCELED or EXPIRED: the generation's GenerationErrorCode. On an UPSTREAM_CALL or a retry: how the call failed (UNAUTHORIZED, RATE_LIMITED, SERVER_ERROR, CONNECT_FAILED, CONNECTION_DROPPED, TIMEOUT, MALFORMED_RESPONSE, ...). On a NOTE: what it notes (e.g. IMAGE_NOT_FINGERPRINTED).",
    }),
    message: t.exposeString("message", { nullable: true, description: "What happened, in words (never a key)." }),
  }),
});

export const GenerationRef = builder.objectRef<GenerationRow>("Generation");

interface UpstreamWait {
  since: Date;
  reason: string;
  giveUpAt: Date;
  deadline: boolean;
}

const UpstreamWaitRef = builder.objectRef<UpstreamWait>("UpstreamWait").implement({
  description:
    "Why a QUEUED generation is not being submitted: Segmind is down (5xx or no connection to every submit), so the gateway's circuit breaker holds submits back. Nothing is sent or billed while it waits, and no submit attempt is used; it goes as soon as Segmind answers again.",
  fields: (t) => ({
    since: t.field({ type: "DateTime", description: "When it started waiting in this outage.", resolve: (w) => w.since }),
    reason: t.exposeString("reason", { description: "What Segmind last answered (status and message), in words." }),
    giveUpAt: t.field({
      type: "DateTime",
      description:
        "When it stops waiting if Segmind is still down: its deadline (then EXPIRED), or `since` + UPSTREAM_OUTAGE_MAX_WAIT_MS (then FAILED with UPSTREAM_OUTAGE).",
      resolve: (w) => w.giveUpAt,
    }),
    byDeadline: t.exposeBoolean("deadline", {
      description: "true: giveUpAt is the client's deadline; false: the gateway's maximum wait (UPSTREAM_OUTAGE_MAX_WAIT_MS).",
    }),
  }),
});

builder.node(GenerationRef, {
  description: "One image-to-video request and everything known about it.",
  id: { resolve: (generation) => generation.id },
  loadMany: (ids, context) => Promise.all(ids.map((id) => context.loaders.generationById.load(id))),
  fields: (t) => ({
    status: t.field({ type: GenerationStatusEnum, description: "Where it is now.", resolve: (g) => g.status as GenerationStatus }),
    prompt: t.exposeString("prompt", { description: "What should happen in the video, as the client sent it (trimmed)." }),
    imageUrl: t.exposeString("imageUrl", { description: "The first frame." }),
    duration: t.exposeInt("duration", { description: "Seconds." }),
    resolution: t.field({ type: ResolutionEnum, description: "The video's size.", resolve: (g) => g.resolution as "480p" | "720p" }),
    seed: t.exposeInt("seed", { description: "Always known: drawn by the gateway when the client gave none." }),
    seedSource: t.field({ type: SeedSourceEnum, description: "Who chose the seed.", resolve: (g) => g.seedSource as "CLIENT" | "GATEWAY" }),
    cameraFixed: t.exposeBoolean("cameraFixed", { description: "true: the camera was asked to stay still." }),
    idempotencyKey: t.string({
      nullable: true,
      description: "As the client sent it (keys are per team).",
      resolve: (g) => clientIdempotencyKey(g.idempotencyKey),
    }),
    upstream: t.exposeString("upstream", { description: '"sandbox" (built-in stand-in) or "segmind".' }),
    upstreamBaseUrl: t.exposeString("upstreamBaseUrl", { description: "The base URL of the upstream it ran on." }),
    upstreamMode: t.exposeString("upstreamMode", { description: '"v2" (async) or "v1" (sync).' }),
    modelSlug: t.exposeString("modelSlug", { description: "The Segmind model slug it ran on." }),
    upstreamRequestBody: t.exposeString("upstreamRequestBody", {
      description: "The exact JSON body sent to Segmind.",
    }),
    upstreamRequestId: t.exposeString("upstreamRequestId", {
      nullable: true,
      description: "Segmind's id of the job, once it accepted the submit.",
    }),
    upstreamSeed: t.exposeInt("upstreamSeed", { nullable: true, description: "The seed Segmind echoed, when it did." }),
    costUsd: t.exposeFloat("costUsd", { nullable: true, description: "What Segmind reported charging, in dollars." }),
    estimatedCostUsd: t.exposeFloat("estimatedCostUsd", {
      nullable: true,
      description:
        "The price table's estimate (PRICE_TABLE_USD), held against the team's budget until Segmind reports the cost (see credits.ledger).",
    }),
    remainingCreditsUsd: t.exposeFloat("remainingCreditsUsd", {
      nullable: true,
      description: "The balance Segmind reported after this job, in dollars.",
    }),
    resultUrl: t.string({
      nullable: true,
      description: "The gateway's own, permanent URL of the stored video (supports HTTP Range).",
      resolve: (g, _args, context) => (g.mediaKey ? mediaUrlFor(context.services.publicUrl, g.mediaKey) : null),
    }),
    upstreamOutputUrl: t.exposeString("upstreamOutputUrl", {
      nullable: true,
      description: "Segmind's URL of the output; it expires after days.",
    }),
    videoSha256: t.exposeString("videoSha256", { nullable: true, description: "sha256 of the stored video, hex; null until SUCCEEDED." }),
    videoBytes: t.exposeInt("videoBytes", { nullable: true, description: "Size of the stored video; null until SUCCEEDED." }),
    videoContentType: t.exposeString("videoContentType", {
      nullable: true,
      description: "Media type of the stored video (video/mp4); null until SUCCEEDED.",
    }),
    errorCode: t.field({
      type: GenerationErrorCodeEnum,
      nullable: true,
      description: "Why it ended without a video (FAILED, CANCELED, EXPIRED); null otherwise.",
      resolve: (g) => g.errorCode as GenerationErrorCode | null,
    }),
    errorMessage: t.exposeString("errorMessage", {
      nullable: true,
      description: "errorCode in words: what happened and what Segmind billed or may bill.",
    }),
    attempts: t.exposeInt("attempts", { description: "Submit attempts made (retries only when provably unbilled)." }),
    createdAt: t.field({ type: "DateTime", description: "When the gateway recorded the request.", resolve: (g) => g.createdAt }),
    submittedAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When Segmind accepted the submit; null before.",
      resolve: (g) => g.submittedAt,
    }),
    completedAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When it reached a final status; null before.",
      resolve: (g) => g.completedAt,
    }),
    progress: t.float({
      description: "0..1, synthesized from recent upstream latencies (Segmind reports none); 1 only on success.",
      resolve: async (g, _args, context) => (await context.services.progress.view(g)).progress,
    }),
    estimatedCompletionAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When it is expected to finish; null once final.",
      resolve: async (g, _args, context) => (await context.services.progress.view(g)).estimatedCompletionAt,
    }),
    latencyMs: t.int({
      nullable: true,
      description: "From creation to a final state.",
      resolve: (g) => (g.completedAt ? g.completedAt.getTime() - g.createdAt.getTime() : null),
    }),
    events: t.field({
      type: [GenerationEventRef],
      description: "State changes and every upstream call, oldest first.",
      // Only the columns the query selects (event-selection.ts).
      resolve: (g, _args, context, info) => context.loaders.eventsWith(selectedEventColumns(info)).load(g),
    }),
    queuePosition: t.int({
      nullable: true,
      description:
        "While QUEUED: 1 + the QUEUED generations created before it (1 = submitted next, rate limits permitting). null otherwise.",
      resolve: (g, _args, context) => (g.status === "QUEUED" ? context.loaders.queuePositionById.load(g.id) : null),
    }),
    waitingForUpstream: t.field({
      type: UpstreamWaitRef,
      nullable: true,
      description:
        "While QUEUED and held because Segmind is down (the circuit breaker on submits is open): since when, why, and until when it waits. null otherwise, including once Segmind answers again and it is submitted.",
      resolve: (g, _args, context) => {
        if (g.status !== "QUEUED" || !g.upstreamWaitSince) return null;
        const byDeadline = g.deadlineAt !== null;
        return {
          since: g.upstreamWaitSince,
          reason: g.upstreamWaitReason ?? "Segmind is down",
          giveUpAt: g.deadlineAt ?? new Date(g.upstreamWaitSince.getTime() + context.services.outageMaxWaitMs),
          deadline: byDeadline,
        };
      },
    }),
    deadline: t.field({
      type: "DateTime",
      nullable: true,
      description: "The client's deadline: past it the gateway stops working on it (EXPIRED).",
      resolve: (g) => g.deadlineAt,
    }),
    cancelRequestedAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When cancelGeneration was asked; set while a cancel waits for a submit's answer, and on CANCELED.",
      resolve: (g) => g.cancelRequestedAt,
    }),
    tags: t.stringList({
      description: "The client's tags (a batch's tags included), in the order given; spending is grouped by them (credits.spendingByTag).",
      resolve: (g) => parseTags(g.tags),
    }),
    metadata: t.field({
      type: "JSON",
      nullable: true,
      description: "The client's metadata (a JSON object), as given; null when none.",
      resolve: (g) => parseMetadata(g.metadata),
    }),
  }),
});

/** The client's labels, on generateVideo's input and on generateVideos' (labels.ts has the rules). */
export const TAGS_DESCRIPTION = `Optional labels, at most ${TAGS_MAX_COUNT}, each ${TAG_RULE}, no repeats. Spending is grouped by them (credits.spendingByTag) and generations(filter: { tag }) finds them. Part of the idempotency check.`;
export const METADATA_DESCRIPTION = `Optional: a JSON object kept with it and handed back as given (API, webhooks), at most ${METADATA_MAX_BYTES} bytes as JSON and ${METADATA_MAX_DEPTH} levels deep; never sent upstream. Part of the idempotency check.`;

export const GenerateVideoInput = builder.inputType("GenerateVideoInput", {
  description: "One image-to-video request: Seedance's parameters plus the gateway's own (idempotencyKey, deadline).",
  fields: (t) => ({
    prompt: t.string({ required: true, description: `What should happen; 1 to ${PROMPT_MAX_LENGTH} characters.` }),
    imageUrl: t.string({ required: true, description: "The first frame: an http(s) URL Segmind can fetch." }),
    duration: t.int({ required: true, description: "Seconds: 5 or 10." }),
    resolution: t.field({ type: ResolutionEnum, required: true, description: "The video's size: SD_480P or HD_720P." }),
    seed: t.int({ description: `${SEED_MIN} to ${SEED_MAX}; omitted: the gateway draws one and records it.` }),
    cameraFixed: t.boolean({ defaultValue: false, description: "true: ask the model to keep the camera still." }),
    idempotencyKey: t.string({
      description: "Retrying with the same key and input returns the first generation instead of paying twice.",
    }),
    deadline: t.field({
      type: "DateTime",
      description:
        "Optional; must be in the future. If it is not finished by then, the gateway stops working on it and marks it EXPIRED (recording what Segmind may still bill). Not part of the idempotency check: a replay returns the first generation as it was.",
    }),
    tags: t.stringList({ description: TAGS_DESCRIPTION }),
    metadata: t.field({ type: "JSON", description: METADATA_DESCRIPTION }),
  }),
});

const GenerateVideoPayload = builder
  .objectRef<{ generation: GenerationRow; replayed: boolean }>("GenerateVideoPayload")
  .implement({
    description: "The request was accepted (or replayed): the generation runs in the background.",
    fields: (t) => ({
      generation: t.field({
        type: GenerationRef,
        description: "The new generation (QUEUED), or the earlier one when replayed.",
        resolve: (payload) => payload.generation,
      }),
      replayed: t.exposeBoolean("replayed", {
        description: "true when an earlier generation with this idempotencyKey was returned.",
      }),
    }),
  });

builder.mutationField("generateVideo", (t) =>
  t.field({
    type: GenerateVideoPayload,
    description: "Records the request durably and runs it in the background; returns at once (QUEUED).",
    args: { input: t.arg({ type: GenerateVideoInput, required: true, description: "What to generate." }) },
    errors: {
      types: [InvalidInputError, IdempotencyConflictError, BudgetExceededError, BusyError],
      directResult: true,
      union: {
        name: "GenerateVideoResult",
        description: "GenerateVideoPayload, or why nothing was stored or sent (an Error).",
      },
    },
    resolve: async (_root, { input }, context) => {
      requireScope(context.principal, "generate");
      const { services } = context;
      const { teamId, keyId, clientAddress } = context.principal;
      const created = await createGeneration(services, input, { teamId, apiKeyId: keyId, clientAddress });
      if (!created.replayed) services.worker.enqueue(created.generation.id, created.generation);
      context.loaders.generationById.prime(created.generation.id, created.generation);
      return created;
    },
  }),
);

const GenerationFilter = builder.inputType("GenerationFilter", {
  description: "Which generations to list; every given condition must hold.",
  fields: (t) => ({
    status: t.field({ type: [GenerationStatusEnum], description: "Any of these statuses." }),
    seed: t.int({ description: "Generations with exactly this seed (e.g. every take of a seed)." }),
    promptContains: t.string({ description: "Case-insensitive substring of the prompt." }),
    createdAfter: t.field({ type: "DateTime", description: "Inclusive." }),
    createdBefore: t.field({ type: "DateTime", description: "Exclusive." }),
    videoSha256: t.string({ description: "Find the generation that produced a video." }),
    tag: t.string({ description: "Generations carrying this tag (see GenerateVideoInput.tags)." }),
    batchId: t.id({ description: "The generations of one generateVideos batch (its global id or raw UUID)." }),
  }),
});

builder.queryFields((t) => ({
  generation: t.field({
    type: GenerationRef,
    nullable: true,
    description: "One generation by its global id (or its raw UUID); null when there is none the caller may see.",
    args: { id: t.arg.id({ required: true, description: "A Generation's global id (or its raw UUID)." }) },
    resolve: (_root, { id }, context) => {
      requireScope(context.principal, "read");
      // The loader sees only the caller's generations: another team's id is null, like a missing one.
      return context.loaders.generationById.load(generationIdFrom(id));
    },
  }),
  generations: t.connection(
    {
      type: GenerationRef,
      description: "The caller's generations (its team's; every team's with the admin scope), newest first.",
      args: { filter: t.arg({ type: GenerationFilter, description: "Which ones; omitted: all." }) },
      resolve: (_root, args, context, info) => {
        requireScope(context.principal, "read");
        const batchId = args.filter?.batchId;
        const filter = args.filter ? { ...args.filter, batchId: batchId == null ? null : localIdFrom(String(batchId), "GenerationBatch") } : args.filter;
        return listGenerations(context, { ...args, filter }, selectedPageColumns(info));
      },
    },
    {
      name: "GenerationConnection",
      description: "A page of generations (Relay cursor connection).",
      fields: (c) => ({
        totalCount: c.int({
          description: "Generations matching the filter, across all pages.",
          resolve: (connection) => (connection as unknown as { totalCount: () => number | Promise<number> }).totalCount(),
        }),
      }),
    },
    { name: "GenerationEdge", description: "One generation in a page, with its cursor." },
  ),
}));

/** Accepts a Relay global id of a Generation or a bare UUID; anything else is a client error. */
export function generationIdFrom(id: string): string {
  return localIdFrom(id, "Generation");
}

/** The UUID inside a global id of `typename` (or a bare UUID); anything else is a client error. */
export function localIdFrom(id: string, typename: "Generation" | "GenerationBatch"): string {
  if (isUuid(id)) return id;
  const invalid = () =>
    new GraphQLError(`Invalid ${typename === "Generation" ? "generation" : "batch"} id`, { extensions: { code: "BAD_USER_INPUT" } });
  let decoded: { typename: string; id: string };
  try {
    decoded = decodeGlobalID(id);
  } catch {
    throw invalid();
  }
  if (decoded.typename !== typename || !isUuid(decoded.id)) throw invalid();
  return decoded.id;
}

const CancelGenerationPayload = builder.objectRef<CancelResult>("CancelGenerationPayload").implement({
  description: "The cancel took effect (or waits for a submit's answer: pending).",
  fields: (t) => ({
    generation: t.field({
      type: GenerationRef,
      description: "The generation: CANCELED, or still SUBMITTING when pending.",
      resolve: (payload) => payload.generation,
    }),
    pending: t.exposeBoolean("pending", {
      description:
        "true when a submit was on the wire: the generation stays SUBMITTING until Segmind answers, then becomes CANCELED (with the upstream id, if Segmind accepted and so bills it).",
    }),
  }),
});

builder.mutationField("cancelGeneration", (t) =>
  t.field({
    type: CancelGenerationPayload,
    description:
      "Stops the gateway's work on a generation and marks it CANCELED. Segmind has no cancel: a job it already accepted runs on and is billed unless it fails; errorMessage says what was billed.",
    args: { id: t.arg.id({ required: true, description: "A Generation's global id (or its raw UUID)." }) },
    errors: {
      types: [GenerationNotFoundError, GenerationAlreadyFinalError],
      directResult: true,
      union: { name: "CancelGenerationResult", description: "CancelGenerationPayload, or why there was nothing to cancel." },
    },
    resolve: async (_root, { id }, context) => {
      // Stopping work spends (or saves) the team's money: a write, so `generate`, checked first.
      requireScope(context.principal, "generate");
      const localId = generationIdFrom(String(id));
      // Another team's generation is not found, exactly like a missing one.
      if (!(await context.loaders.generationById.load(localId))) throw new GenerationNotFoundError(String(id));
      const { db, clock } = context.services;
      const { keyId, teamId, clientAddress } = context.principal;
      const result = await cancelGeneration({ db, clock, journal: context.services.journal }, localId, {
        keyId,
        teamId,
        clientAddress,
      });
      context.loaders.generationById.clear(localId).prime(localId, result.generation);
      // Its next step (ending a pending cancel, or noticing the end) need not wait for its timer.
      context.services.worker.wake(localId);
      return result;
    },
  }),
);
