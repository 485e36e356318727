import { LRUCache } from "lru-cache";
import type { GenerationEventRow } from "./types";

/** EVENT_CACHE_EVENTS' default: ~1,250 generations of 16 events, 3.5 to 5.3 MiB of heap (200 to 300 bytes an event). */
export const DEFAULT_EVENT_CACHE_EVENTS = 20_000;

/**
 * Generations' event lists this process has read, so that a history page seen again (a
 * client's refresh, a studio's polling, the next visitor of the same team) does not read and
 * decode every event of every generation on it again. On SQLite, reading and decoding the events
 * of `generations(first: 10)` was ~175 µs of the ~375 µs of main-thread CPU the gateway spent per
 * page beyond yoga serving the same answer from memory.
 *
 * Events are only ever appended, never changed or deleted. The page's own statement counts each
 * row's events (history-reads.ts: a count over the (generationId, id) index). A list is kept
 * under the number of events it holds and handed out only for a row whose count is that number:
 * it is then the whole list as that statement saw it. An event written by this process or any other instance raises the count,
 * and the next read goes to the database. Each column selection (event-selection.ts) has lists
 * of its own. Bounded by events held (EVENT_CACHE_EVENTS), least recently used dropped first;
 * 0 turns it off. Lists are shared between requests and must not be changed.
 */
export class EventLists {
  private readonly lists: LRUCache<string, readonly GenerationEventRow[]> | null;

  constructor(maxEvents: number) {
    this.lists =
      maxEvents > 0
        ? new LRUCache<string, readonly GenerationEventRow[]>({ maxSize: maxEvents, sizeCalculation: (list) => Math.max(1, list.length) })
        : null;
  }

  /** `id`'s list of `columns`, if the one held has exactly `eventCount` events. */
  get(columns: string, id: string, eventCount: number | null | undefined): readonly GenerationEventRow[] | undefined {
    if (!this.lists || eventCount == null) return undefined;
    const list = this.lists.get(key(columns, id));
    return list?.length === eventCount ? list : undefined;
  }

  /** Keeps a list just read (the whole list as of that read: its length is its version). */
  set(columns: string, id: string, list: readonly GenerationEventRow[]): void {
    if (list.length > 0) this.lists?.set(key(columns, id), list);
  }

  /** Events held now, across every list (what EVENT_CACHE_EVENTS bounds). */
  get size(): number {
    return this.lists?.calculatedSize ?? 0;
  }
}

function key(columns: string, id: string): string {
  return `${columns}|${id}`;
}
