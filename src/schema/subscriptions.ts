import { GraphQLError } from "graphql";
import { requireScope } from "../auth/principal";
import { visibleTo } from "../auth/visibility";
import { GENERATION_STATUSES } from "../generations/status";
import { type GenerationUpdate, allGenerationUpdates, generationUpdates } from "../generations/updates";
import type { GatewayContext } from "../context";
import { builder } from "./builder";
import { GenerationEventRef, GenerationRef, GenerationStatusEnum, generationIdFrom, localIdFrom } from "./generation";

const UpdateKindEnum = builder.enumType("GenerationUpdateKind", {
  description: "Why a GenerationUpdate was sent.",
  values: {
    EVENT: { description: "A new entry of the generation's history (see `event`)." },
    PROGRESS: { description: "A progress tick while nothing else happened." },
  } as const,
});

const GenerationUpdateRef = builder.objectRef<GenerationUpdate>("GenerationUpdate").implement({
  description: "One change of a generation, as a subscription delivers it.",
  fields: (t) => ({
    kind: t.field({ type: UpdateKindEnum, description: "A new event, or a progress tick.", resolve: (update) => update.kind }),
    sequence: t.exposeInt("sequence", {
      description: "The event's sequence (for a tick, the last one delivered). Resume with `after: sequence`.",
    }),
    event: t.field({
      type: GenerationEventRef,
      nullable: true,
      description: "EVENT: the new history entry; null for a PROGRESS tick.",
      resolve: (update) => update.event,
    }),
    generation: t.field({ type: GenerationRef, description: "Its state now.", resolve: (update) => update.generation }),
    progress: t.exposeFloat("progress", { description: "Never lower than earlier updates of this subscription." }),
    estimatedCompletionAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When it is expected to finish; null once final.",
      resolve: (update) => update.estimatedCompletionAt,
    }),
  }),
});

/**
 * What a stream hands on: an update, a batch of them (generationsUpdated; unpacked and executed
 * one by one in src/http/shared-subscription-execution.ts), or its typed failure
 * (REPLAY_TOO_LONG, SUBSCRIBER_TOO_SLOW), raised by the field's resolver.
 */
type Delivered = GenerationUpdate | readonly GenerationUpdate[] | { failure: GraphQLError };

/**
 * A subscription's stream as its resolver returns it, once it took the caller's place
 * (TOO_MANY_SUBSCRIPTIONS when none is left):
 * - holding that place until it ends: completed, failed, closed by the client
 *   (iterator return) or abandoned (the request's signal aborts on disconnect, which releases
 *   at once, without waiting for the stream's next event);
 * - counted in sse_subscribers while it runs;
 * - with a GraphQLError the stream raises on purpose as its last payload: an error thrown while
 *   a stream runs would reach the client masked ("Unexpected error"); the resolver throws this
 *   one, so the client gets it typed in `errors`, and the stream ends.
 * One plain iterator for the three, one step per update: each layer of async generator cost
 * every message of every subscriber promises and turns of its own (issue 8, bench/RESULTS.md).
 */
function served(context: GatewayContext, subscription: string, stream: AsyncIterable<GenerationUpdate | readonly GenerationUpdate[]>): AsyncIterableIterator<Delivered> {
  context.services.metrics.subscriberSeries(subscription);
  const lease = context.services.subscriptionLimiter.acquire(context.principal);
  const source = stream[Symbol.asyncIterator]();
  let counted: (() => void) | undefined;
  let ended = false;
  const end = () => {
    ended = true;
    lease.release();
    counted?.();
  };
  const finished = (): IteratorResult<Delivered> => ({ done: true, value: undefined });
  const passed = (result: IteratorResult<GenerationUpdate | readonly GenerationUpdate[]>): IteratorResult<Delivered> => {
    if (result.done) end();
    return result;
  };
  const failed = (error: unknown): IteratorResult<Delivered> => {
    end();
    if (!(error instanceof GraphQLError)) throw error;
    return { done: false, value: { failure: error } };
  };
  return {
    next() {
      if (ended) return Promise.resolve(finished());
      if (!counted) {
        counted = context.services.metrics.subscriberOpened(subscription);
        context.signal.addEventListener("abort", () => lease.release(), { once: true });
      }
      return source.next().then(passed, failed);
    },
    return(value?: unknown) {
      const open = !ended;
      end();
      return open && source.return ? source.return(value).then(finished, finished) : Promise.resolve(finished());
    },
    throw(error?: unknown) {
      end();
      return source.throw ? source.throw(error).then(finished) : Promise.reject(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

function delivered(update: Delivered): GenerationUpdate {
  if (Array.isArray(update)) throw new Error("a batch of updates reached the resolver; sharedSubscriptionExecution executes them one by one");
  if ("failure" in update) throw update.failure;
  return update as GenerationUpdate;
}

function streamDeps(context: GatewayContext) {
  const { db, feed, progress, progressTickMs } = context.services;
  return { db, feed, progress, progressTickMs };
}

builder.subscriptionFields((t) => ({
  generationUpdated: t.field({
    type: GenerationUpdateRef,
    description:
      "Every change of one generation: first its history after `after` (all of it when omitted), then live changes; ends after the final one.",
    args: {
      id: t.arg.id({ required: true, description: "A Generation's global id (or its raw UUID)." }),
      after: t.arg.int({ description: "The last sequence this client already has." }),
    },
    subscribe: async (_root, args, context) => {
      requireScope(context.principal, "read");
      const id = generationIdFrom(args.id);
      // The loader sees only the caller's generations: another team's is "not found" too.
      const exists = await context.loaders.generationById.load(id);
      if (!exists) throw new GraphQLError("Generation not found", { extensions: { code: "NOT_FOUND" } });
      return served(context, "generationUpdated", generationUpdates(streamDeps(context), id, args.after ?? null, context.signal));
    },
    resolve: delivered,
  }),
  generationsUpdated: t.field({
    type: GenerationUpdateRef,
    description:
      "Changes of every generation the caller may see (its team's; every team's with the admin scope), in sequence order: those after `after` (only new ones when omitted), of generations now in one of `status` and of batch `batchId` when given.",
    args: {
      status: t.arg({
        type: [GenerationStatusEnum],
        description: "Only changes of generations now in one of these statuses; omitted: all.",
      }),
      after: t.arg.int({ description: "The last sequence this client already has; 0 replays everything." }),
      batchId: t.arg.id({
        description: "Only changes of one generateVideos batch's generations (its global id or raw UUID); a batch the caller may not see streams nothing.",
      }),
    },
    subscribe: (_root, args, context) => {
      requireScope(context.principal, "read");
      const batchId = args.batchId == null ? null : localIdFrom(String(args.batchId), "GenerationBatch");
      return served(
        context,
        "generationsUpdated",
        allGenerationUpdates(
          streamDeps(context),
          args.after ?? null,
          { statuses: args.status?.filter((status) => GENERATION_STATUSES.includes(status)) ?? null, batchId },
          visibleTo(context.principal),
          context.signal,
        ),
      );
    },
    resolve: delivered,
  }),
}));
