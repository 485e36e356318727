import { useEffect, useState } from "preact/hooks";
import { execute, subscribe } from "./api";
import { type GenerationCardFragment, StudioRefreshDocument, StudioUpdatesDocument } from "./gql/graphql";

/**
 * What the page knows about each generation, kept current by one page-wide subscription
 * (`generationsUpdated`): every card showing a generation re-renders when it changes. No
 * polling: the only reads besides the stream are one refresh of unfinished cards each time
 * the stream (re)connects, to cover anything that happened while it was down.
 */

export interface Card extends GenerationCardFragment {
  /** When the last server update arrived (ms, performance clock): the ETA animation starts there. */
  receivedAt: number;
}

const FINAL = new Set(["SUCCEEDED", "FAILED", "CANCELED", "EXPIRED"]);
export const isFinal = (status: string) => FINAL.has(status);

const cards = new Map<string, Card>();
const listeners = new Map<string, Set<() => void>>();
const finalListeners = new Set<(card: Card) => void>();
let lastSequence: number | null = null;

export function noteSequence(sequence: number): void {
  lastSequence = Math.max(lastSequence ?? 0, sequence);
}

/** Merges a server view of a generation; progress never goes backwards on the page. */
export function upsert(generation: GenerationCardFragment, live?: { progress: number; estimatedCompletionAt: string | null }): void {
  const previous = cards.get(generation.id);
  const progress = Math.max(previous?.progress ?? 0, generation.progress, live?.progress ?? 0);
  const card: Card = {
    ...generation,
    progress: generation.status === "SUCCEEDED" ? 1 : isFinal(generation.status) ? generation.progress : progress,
    estimatedCompletionAt: live ? live.estimatedCompletionAt : generation.estimatedCompletionAt,
    receivedAt: performance.now(),
  };
  cards.set(generation.id, card);
  for (const listener of listeners.get(generation.id) ?? []) listener();
  if (isFinal(card.status) && (!previous || !isFinal(previous.status))) for (const listener of finalListeners) listener(card);
}

export function card(id: string): Card | undefined {
  return cards.get(id);
}

/** The current card of `id`, re-rendering on every change. */
export function useCard(id: string): Card | undefined {
  const [, setVersion] = useState(0);
  useEffect(() => {
    const listener = () => setVersion((version) => version + 1);
    let set = listeners.get(id);
    if (!set) listeners.set(id, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }, [id]);
  return cards.get(id);
}

/** Called once for each generation the page sees reaching a final status. */
export function onFinal(listener: (card: Card) => void): () => void {
  finalListeners.add(listener);
  return () => finalListeners.delete(listener);
}

export type LiveState = "connecting" | "live" | "reconnecting";

/** Opens the page-wide stream; reconnects with the last sequence seen, backing off. */
export function startLiveUpdates(onState: (state: LiveState) => void): () => void {
  let stopped = false;
  let failures = 0;
  let unsubscribe: (() => void) | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const retry = () => {
    if (stopped) return;
    onState("reconnecting");
    failures += 1;
    timer = setTimeout(connect, Math.min(30_000, 500 * 2 ** Math.min(failures, 6)));
  };
  const connect = () => {
    if (stopped) return;
    onState(failures === 0 ? "connecting" : "reconnecting");
    unsubscribe = subscribe(StudioUpdatesDocument, { after: lastSequence }, {
      connected: () => {
        failures = 0;
        onState("live");
        void refreshUnfinished();
      },
      next: (data) => {
        const update = data.generationsUpdated;
        noteSequence(update.sequence);
        upsert(update.generation, update);
      },
      error: retry,
      complete: retry,
    });
  };
  connect();
  return () => {
    stopped = true;
    clearTimeout(timer);
    unsubscribe?.();
  };
}

async function refreshUnfinished(): Promise<void> {
  const ids = [...cards.values()].filter((known) => !isFinal(known.status)).map((known) => known.id);
  if (ids.length === 0) return;
  try {
    const { nodes } = await execute(StudioRefreshDocument, { ids });
    for (const node of nodes) if (node && "id" in node) upsert(node as GenerationCardFragment);
  } catch {
    // The stream itself carries the next change; a failed catch-up read is not worth an alarm.
  }
}
