import { requireScope } from "../auth/principal";
import { BudgetExceededError } from "../budget/ledger";
import { BusyError } from "../db/contention";
import { BATCH_MAX_ITEMS } from "../generations/batch-input";
import { type BatchRow, type CreatedBatch, createBatch } from "../generations/batch";
import { IdempotencyConflictError } from "../generations/create";
import { clientIdempotencyKey } from "../generations/idempotency-scope";
import { parseMetadata, parseTags } from "../generations/labels";
import { GENERATION_STATUSES, type GenerationStatus, TERMINAL_STATUSES } from "../generations/status";
import { InvalidInputError } from "../generations/validation";
import { roundUsd } from "../money";
import { builder } from "./builder";
import {
  GenerateVideoInput,
  GenerationRef,
  GenerationStatusEnum,
  METADATA_DESCRIPTION,
  TAGS_DESCRIPTION,
  localIdFrom,
} from "./generation";

export const GenerationBatchRef = builder.objectRef<BatchRow>("GenerationBatch");

const BatchStatusCountRef = builder
  .objectRef<{ status: GenerationStatus; count: number }>("BatchStatusCount")
  .implement({
    description: "How many of a batch's generations are in one status.",
    fields: (t) => ({
      status: t.field({ type: GenerationStatusEnum, description: "The status.", resolve: (c) => c.status }),
      count: t.exposeInt("count", { description: "Generations of the batch in it (never 0: absent statuses are left out)." }),
    }),
  });

builder.node(GenerationBatchRef, {
  description: `One generateVideos request: up to ${BATCH_MAX_ITEMS} generations accepted together (budget held for all of them at once), each running on its own.`,
  id: { resolve: (batch) => batch.id },
  loadMany: (ids, context) => Promise.all(ids.map((id) => context.loaders.batchById.load(id))),
  fields: (t) => ({
    size: t.exposeInt("itemCount", { description: "How many generations it holds (a seed sweep: one per seed)." }),
    idempotencyKey: t.string({
      nullable: true,
      description: "The batch's key, as the client sent it (keys are per team).",
      resolve: (batch) => clientIdempotencyKey(batch.idempotencyKey),
    }),
    tags: t.stringList({ description: "The batch's own tags (every generation of it carries them too).", resolve: (b) => parseTags(b.tags) }),
    metadata: t.field({
      type: "JSON",
      nullable: true,
      description: "The batch's metadata (a JSON object), as given; null when none.",
      resolve: (b) => parseMetadata(b.metadata),
    }),
    createdAt: t.field({ type: "DateTime", description: "When the gateway accepted it.", resolve: (b) => b.createdAt }),
    generations: t.field({
      type: [GenerationRef],
      description: "Its generations in item order (Generation.batchIndex 0, 1, ...).",
      resolve: (b, _args, context) => context.loaders.generationsByBatchId.load(b.id),
    }),
    seeds: t.intList({
      description: "Each generation's seed, in item order: a seed sweep's seeds (distinct), given or chosen by the gateway.",
      resolve: async (b, _args, context) => (await context.loaders.generationsByBatchId.load(b.id)).map((g) => g.seed),
    }),
    statusCounts: t.field({
      type: [BatchStatusCountRef],
      description: "How many of its generations are in each status (statuses with none left out), in lifecycle order.",
      resolve: async (b, _args, context) => {
        const generations = await context.loaders.generationsByBatchId.load(b.id);
        return GENERATION_STATUSES.map((status) => ({ status, count: generations.filter((g) => g.status === status).length })).filter(
          (c) => c.count > 0,
        );
      },
    }),
    finished: t.boolean({
      description: "true once every generation of it reached a final status (SUCCEEDED, FAILED, CANCELED, EXPIRED).",
      resolve: async (b, _args, context) =>
        (await context.loaders.generationsByBatchId.load(b.id)).every((g) => TERMINAL_STATUSES.has(g.status as GenerationStatus)),
    }),
    estimatedCostUsd: t.float({
      description: "The price table's estimate of all its generations together: what was held against the budget when it was accepted.",
      resolve: async (b, _args, context) =>
        roundUsd((await context.loaders.generationsByBatchId.load(b.id)).reduce((sum, g) => sum + (g.estimatedCostUsd ?? 0), 0)),
    }),
    costUsd: t.float({
      description: "What Segmind reported charging for its generations so far, in dollars (0 before any reported a cost).",
      resolve: async (b, _args, context) =>
        roundUsd((await context.loaders.generationsByBatchId.load(b.id)).reduce((sum, g) => sum + (g.costUsd ?? 0), 0)),
    }),
  }),
});

builder.objectFields(GenerationRef, (t) => ({
  batch: t.field({
    type: GenerationBatchRef,
    nullable: true,
    description: "The generateVideos batch it belongs to; null for a single generateVideo or regenerateVideo.",
    resolve: (g, _args, context) => (g.batchId ? context.loaders.batchById.load(g.batchId) : null),
  }),
  batchIndex: t.exposeInt("batchIndex", { nullable: true, description: "Its place in its batch (0-based item order); null outside a batch." }),
}));

const GenerateVideosInput = builder.inputType("GenerateVideosInput", {
  description: `Several generations in one request, accepted or refused together: up to ${BATCH_MAX_ITEMS} items, or one item swept over seeds (seeds or seedCount).`,
  fields: (t) => ({
    items: t.field({
      type: [GenerateVideoInput],
      required: true,
      description: `1 to ${BATCH_MAX_ITEMS} requests, each checked by generateVideo's rules (errors name the item: FieldError.itemIndex). Leave their idempotencyKey out: the batch's key covers them. With seeds or seedCount: exactly one item, without a seed.`,
    }),
    seeds: t.intList({
      description: `Seed sweep: one generation of the single item per seed, in this order; 1 to ${BATCH_MAX_ITEMS} distinct seeds in the seed range.`,
    }),
    seedCount: t.int({
      description: `Seed sweep: this many generations (1 to ${BATCH_MAX_ITEMS}) of the single item, each with a distinct seed chosen by the gateway (derived from the batch id) and recorded (seedSource GATEWAY).`,
    }),
    tags: t.stringList({ description: `${TAGS_DESCRIPTION} A batch's tags are added to every item's (at most 10 together).` }),
    metadata: t.field({ type: "JSON", description: `${METADATA_DESCRIPTION} Kept on the batch (items may have their own).` }),
    idempotencyKey: t.string({
      description:
        "Retrying with the same key and input returns the same batch (replayed: true, nothing new stored or charged); with a different input it is an IdempotencyConflictError. Separate from generateVideo's keys.",
    }),
  }),
});

const GenerateVideosPayload = builder.objectRef<CreatedBatch>("GenerateVideosPayload").implement({
  description: "The batch was accepted whole (or replayed): its generations run in the background.",
  fields: (t) => ({
    batch: t.field({ type: GenerationBatchRef, description: "The batch (the earlier one when replayed).", resolve: (p) => p.batch }),
    generations: t.field({
      type: [GenerationRef],
      description: "One generation per item (a sweep: per seed), in item order: item i is generations[i].",
      resolve: (p) => p.generations,
    }),
    replayed: t.exposeBoolean("replayed", { description: "true when an earlier batch with this idempotencyKey was returned." }),
  }),
});

builder.mutationField("generateVideos", (t) =>
  t.field({
    type: GenerateVideosPayload,
    description: `Records up to ${BATCH_MAX_ITEMS} generations as one batch, all or nothing: every item valid, and the whole batch's estimate within every budget (held together in one transaction), or nothing is stored. Returns at once; each generation runs in the background like generateVideo's.`,
    args: { input: t.arg({ type: GenerateVideosInput, required: true, description: "The items (or one item and its seeds)." }) },
    errors: {
      types: [InvalidInputError, IdempotencyConflictError, BudgetExceededError, BusyError],
      directResult: true,
      union: {
        name: "GenerateVideosResult",
        description: "GenerateVideosPayload, or why nothing of the batch was stored or sent (an Error).",
      },
    },
    resolve: async (_root, { input }, context) => {
      requireScope(context.principal, "generate");
      const { services } = context;
      const { teamId, keyId, clientAddress } = context.principal;
      const created = await createBatch(services, input, { teamId, apiKeyId: keyId, clientAddress });
      context.loaders.batchById.prime(created.batch.id, created.batch);
      context.loaders.generationsByBatchId.prime(created.batch.id, created.generations);
      for (const generation of created.generations) {
        if (!created.replayed) services.worker.enqueue(generation.id, generation);
        context.loaders.generationById.prime(generation.id, generation);
      }
      return created;
    },
  }),
);

builder.queryField("batch", (t) =>
  t.field({
    type: GenerationBatchRef,
    nullable: true,
    description: "One generateVideos batch by its global id (or raw UUID); null when there is none the caller may see.",
    args: { id: t.arg.id({ required: true, description: "A GenerationBatch's global id (or its raw UUID)." }) },
    resolve: (_root, { id }, context) => {
      requireScope(context.principal, "read");
      return context.loaders.batchById.load(localIdFrom(String(id), "GenerationBatch"));
    },
  }),
);
