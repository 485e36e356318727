import { type DocumentNode, type ExecutionArgs, type ExecutionResult, createSourceEventStream, execute } from "graphql";
import { type Plugin, isAsyncIterable } from "graphql-yoga";
import type { Principal } from "../auth/principal";
import type { GatewayContext } from "../context";
import type { GenerationUpdate } from "../generations/updates";
import { mapped } from "./mapped-iterator";

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
 * Registered before the tracing plugin, which then wraps this subscribe function.
 */
export function sharedSubscriptionExecution(): Plugin<GatewayContext> {
  const documents = new WeakMap<DocumentNode, number>();
  let documentCount = 0;
  // event → generation → selection key → result; entries go when the feed's objects do.
  const results = new WeakMap<object, WeakMap<object, Map<string, Promise<ExecutionResult> | ExecutionResult>>>();

  const shared = (payload: unknown, selection: string, run: () => Promise<ExecutionResult> | ExecutionResult) => {
    const update = payload as Partial<GenerationUpdate>;
    if (update.kind !== "EVENT" || !update.event || !update.generation) return run();
    let byGeneration = results.get(update.event);
    if (!byGeneration) results.set(update.event, (byGeneration = new WeakMap()));
    let bySelection = byGeneration.get(update.generation);
    if (!bySelection) byGeneration.set(update.generation, (bySelection = new Map()));
    // Progress is clamped per stream (never lower than it showed before): part of the key.
    const key = `${selection}\u0000${update.progress}\u0000${update.estimatedCompletionAt?.getTime() ?? ""}`;
    let result = bySelection.get(key);
    if (result === undefined) bySelection.set(key, (result = run()));
    return copyTop(result);
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
        return mapped(source[Symbol.asyncIterator](), (payload) => shared(payload, selection, () => execute({ ...subscribeArgs, rootValue: payload })));
      });
    },
  };
}

function callerKey(principal: Principal | undefined): string {
  if (!principal) return "none";
  return [principal.kind, principal.keyId ?? "", principal.teamId ?? "", [...principal.scopes].sort().join(",")].join("|");
}

function copyTop(result: Promise<ExecutionResult> | ExecutionResult): Promise<ExecutionResult> | ExecutionResult {
  return result instanceof Promise ? result.then(sharedCopy) : sharedCopy(result);
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
