import { type DocumentNode, type ExecutionArgs, type ExecutionResult, createSourceEventStream, execute } from "graphql";
import { type Plugin, isAsyncIterable } from "graphql-yoga";
import type { Principal } from "../auth/principal";
import type { GatewayContext } from "../context";
import { fairTurn } from "../generations/fair-turns";
import type { GenerationUpdate } from "../generations/updates";
import { flatMapped } from "./mapped-iterator";
import { cleanAsIs, messageBatch } from "./message-batches";

/**
 * Many subscribers of one caller usually watch the same thing with the same document (a team's
 * dashboards, every tab of a frontend on one client key), and the event feed hands every stream
 * the same event and generation objects. Executing the subscription's selection on each update
 * was done once per subscriber: 200 subscribers, 200 identical executions of every event.
 *
 * Here a stream's updates are executed once per distinct (document, operation, variables,
 * caller) and event: the first subscriber to reach an update executes it, the others get that
 * result (a copy of its top level, so no plugin's per-stream change reaches another stream).
 * The caller is part of the key (key, team, scopes), so what a field shows depends on nothing a
 * sharer does not also have. Updates that are not the feed's shared objects (a replay read for
 * one stream, a progress tick, a typed failure) are executed for their stream alone.
 *
 * A batch of updates from the source (updates that arrived together) is executed update by
 * update the same way. Clean results go on as one batch value (message-batches.ts), for
 * event-stream.ts to write at once; when one has errors, one by one.
 *
 * Registered before the tracing plugin, which then wraps this subscribe function.
 */
export function sharedSubscriptionExecution(): Plugin<GatewayContext> {
  const documents = new WeakMap<DocumentNode, number>();
  let documentCount = 0;
  // event → generation → selection key → result; entries go when the feed's objects do.
  const results = new WeakMap<object, WeakMap<object, Map<string, Outcome>>>();

  /** The update's result: shared (the same object for every stream of the selection) when it is the feed's. */
  const shared = (update: unknown, selection: string, run: () => Outcome): Outcome => {
    if (!sharable(update)) return run();
    let byGeneration = results.get(update.event);
    if (!byGeneration) results.set(update.event, (byGeneration = new WeakMap()));
    let bySelection = byGeneration.get(update.generation);
    if (!bySelection) byGeneration.set(update.generation, (bySelection = new Map()));
    // Progress is clamped per stream (never lower than it showed before): part of the key.
    const key = `${selection}\u0000${update.progress}\u0000${update.estimatedCompletionAt?.getTime() ?? ""}`;
    let result = bySelection.get(key);
    if (result === undefined) {
      const running = run();
      bySelection.set(key, (result = running));
      // Once known, the result itself: the streams after the first take it without a turn.
      if (running instanceof Promise) running.then((known) => bySelection.get(key) === running && bySelection.set(key, known), () => {});
    }
    return result;
  };

  return {
    onSubscribe({ args, setSubscribeFn }) {
      let document = documents.get(args.document);
      if (document === undefined) documents.set(args.document, (document = documentCount++));
      const caller = callerKey((args.contextValue as GatewayContext).principal);
      const selection = `${document}\u0000${args.operationName ?? ""}\u0000${JSON.stringify(args.variableValues ?? {})}\u0000${caller}`;
      setSubscribeFn(async (subscribeArgs: ExecutionArgs) => {
        const source = await createSourceEventStream(subscribeArgs);
        if (!isAsyncIterable(source)) return source;
        const one = (payload: unknown) => shared(payload, selection, () => execute({ ...subscribeArgs, rootValue: payload }));
        return flatMapped(source[Symbol.asyncIterator](), (payload): readonly ExecutionResult[] | Promise<readonly ExecutionResult[]> => {
          if (!Array.isArray(payload)) {
            const result = one(payload);
            // A shared result goes on as a copy of its top level; a stream's own, as it is.
            const handOn = sharable(payload) ? sharedCopy : (alone: ExecutionResult) => alone;
            return result instanceof Promise ? result.then((known) => [handOn(known)]) : [handOn(result)];
          }
          return executedInTurn(payload, one, (known) =>
            known.every(cleanAsIs) ? [messageBatch(known) as ExecutionResult] : known.map(sharedCopy),
          );
        });
      });
    },
  };
}

type Outcome = Promise<ExecutionResult> | ExecutionResult;

/** The feed's EVENT updates (objects every stream is handed) are executed once per selection; the rest per stream. */
function sharable(payload: unknown): payload is GenerationUpdate & { event: NonNullable<GenerationUpdate["event"]> } {
  const update = payload as Partial<GenerationUpdate>;
  return update.kind === "EVENT" && !!update.event && !!update.generation;
}

/**
 * A batch's results, executed one after the other, each after the loop's turn when one is due
 * (fair-turns.ts): a batch is up to 200 executions, and the streams woken by one feed read
 * would otherwise all execute theirs before anything else ran. An execution still running
 * (the relay id field is async) is waited for before the next begins, so the look before each
 * one sees the time the last one took.
 */
function executedInTurn(
  updates: readonly unknown[],
  execute: (update: unknown) => Outcome,
  handOn: (results: readonly ExecutionResult[]) => readonly ExecutionResult[],
): readonly ExecutionResult[] | Promise<readonly ExecutionResult[]> {
  const results: Outcome[] = [];
  let waited = false;
  const step = (): readonly ExecutionResult[] | Promise<readonly ExecutionResult[]> => {
    while (results.length < updates.length) {
      const turn = fairTurn();
      if (turn) return turn.then(step);
      const result = execute(updates[results.length]);
      results.push(result);
      if (result instanceof Promise) {
        waited = true;
        return result.then(step);
      }
    }
    return waited ? Promise.all(results).then(handOn) : handOn(results as ExecutionResult[]);
  };
  return step();
}

function callerKey(principal: Principal | undefined): string {
  if (!principal) return "none";
  return [principal.kind, principal.keyId ?? "", principal.teamId ?? "", [...principal.scopes].sort().join(",")].join("|");
}

/** A stream's copy → the shared result it copies. */
const origins = new WeakMap<object, ExecutionResult>();

/**
 * The shared result a stream's result is a copy of, while it still holds exactly its fields (no
 * plugin changed it): the same for every stream it went to, so its serialised form is too
 * (event-stream.ts serialises and encodes it once).
 */
export function sharedOrigin(result: object): ExecutionResult | undefined {
  const origin = origins.get(result);
  return origin !== undefined && sameFields(result, origin) ? origin : undefined;
}

/** A stream's copy of a shared result, remembering what it copies. */
function sharedCopy(result: ExecutionResult): ExecutionResult {
  const copy = { ...result };
  origins.set(copy, result);
  return copy;
}

function sameFields(shown: object, shared: object): boolean {
  const keys = Object.keys(shown);
  if (keys.length !== Object.keys(shared).length) return false;
  return keys.every((key) => (shown as Record<string, unknown>)[key] === (shared as Record<string, unknown>)[key]);
}
