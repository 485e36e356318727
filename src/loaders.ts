import DataLoader from "dataloader";
import type { Principal } from "./auth/principal";
import { visibleTo } from "./auth/visibility";
import type { Db } from "./db/client";
import type { BatchRow } from "./generations/batch";
import type { EventLists } from "./generations/event-lists";
import type { EventColumn } from "./generations/event-selection";
import { selectEventsOf, selectGenerationsById } from "./generations/history-reads";
import type { GenerationEventRow, GenerationRow } from "./generations/types";

export interface Loaders {
  /** Only generations the caller may see (src/auth/visibility.ts): another team's id loads as null. */
  generationById: DataLoader<string, GenerationRow | null>;
  /**
   * A generation's events, oldest first, with only these columns of each (the query's
   * selection: event-selection.ts); one loader per column set in a request, one statement per batch.
   */
  eventsWith(columns: readonly EventColumn[]): DataLoader<EventsOf, readonly GenerationEventRow[], string>;
  /** 1-based place among QUEUED rows, by creation (id) order; null when not QUEUED. */
  queuePositionById: DataLoader<string, number | null>;
  /** Generations made from this one by regenerateVideo, oldest first; only visible ones. */
  derivationsByGenerationId: DataLoader<string, GenerationRow[]>;
  /** An API key's readable prefix (audit events show it next to the key id). */
  keyPrefixById: DataLoader<string, string | null>;
  /** generateVideos batches, only the caller's (the same rule as generations). */
  batchById: DataLoader<string, BatchRow | null>;
  /** A batch's generations in item order (batchIndex); only visible ones. */
  generationsByBatchId: DataLoader<string, GenerationRow[]>;
}

/**
 * Built per request (never shared), so one request's cache cannot serve another's data, and
 * for one principal: generationById answers another team's id exactly like a missing one.
 * Rows primed into it must already be visible to the principal (listGenerations' are).
 */
/**
 * Dispatch a batch after the current turn of the event loop, not on the next tick: GraphQL
 * resolves list items through chains of promises, and a tick can end before every item has
 * asked. setImmediate gathers them all (a page of 8 once split into two queries).
 */
const BATCHING = { batchScheduleFn: (dispatch: () => void) => setImmediate(dispatch) };

/** A generation whose events to load, and how many its row says it has (null: not known). */
export interface EventsOf {
  id: string;
  eventCount?: number | null;
}

export function createLoaders(db: Db, principal: Principal, eventLists?: EventLists): Loaders {
  const visible = visibleTo(principal);
  // By the columns' names, not the array: an `events` field spread from two places of one
  // node comes with two field nodes, and its column list is worked out anew for each generation.
  const eventLoaders = new Map<string, DataLoader<EventsOf, readonly GenerationEventRow[], string>>();
  return {
    eventsWith(columns) {
      const key = columns.join(",");
      let loader = eventLoaders.get(key);
      if (!loader) {
        loader = new DataLoader(
          async (generations) => {
            // Lists this process holds whole (event-lists.ts) are not read again.
            const lists = generations.map((generation) => eventLists?.get(key, generation.id, generation.eventCount));
            const missing = generations.filter((_, i) => lists[i] === undefined).map((generation) => generation.id);
            if (missing.length === 0) return lists as (readonly GenerationEventRow[])[];
            const byGeneration = await selectEventsOf(db, missing, columns);
            for (const [id, list] of byGeneration) eventLists?.set(key, id, list);
            return generations.map((generation, i) => lists[i] ?? byGeneration.get(generation.id) ?? []);
          },
          { ...BATCHING, cacheKeyFn: (generation) => generation.id },
        );
        eventLoaders.set(key, loader);
      }
      return loader;
    },
    generationById: new DataLoader(async (ids) => {
      const rows = await selectGenerationsById(db, ids, visible);
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }, BATCHING),
    queuePositionById: new DataLoader((ids) => queuePositions(db, ids), BATCHING),
    derivationsByGenerationId: new DataLoader(async (ids) => {
      const rows = await db.generation.findMany({
        where: { derivedFromId: { in: [...ids] }, ...visible },
        orderBy: { id: "asc" },
      });
      const bySource = new Map<string, GenerationRow[]>(ids.map((id) => [id, []]));
      for (const row of rows) bySource.get(row.derivedFromId as string)?.push(row);
      return ids.map((id) => bySource.get(id) ?? []);
    }, BATCHING),
    batchById: new DataLoader(async (ids) => {
      const rows = await db.generationBatch.findMany({ where: { id: { in: [...ids] }, ...visible } });
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }, BATCHING),
    generationsByBatchId: new DataLoader(async (ids) => {
      const rows = await db.generation.findMany({
        where: { batchId: { in: [...ids] }, ...visible },
        orderBy: [{ batchId: "asc" }, { batchIndex: "asc" }],
      });
      const byBatch = new Map<string, GenerationRow[]>(ids.map((id) => [id, []]));
      for (const row of rows) byBatch.get(row.batchId as string)?.push(row);
      return ids.map((id) => byBatch.get(id) ?? []);
    }, BATCHING),
    keyPrefixById: new DataLoader(async (ids) => {
      const keys = await db.apiKey.findMany({ where: { id: { in: [...ids] } }, select: { id: true, prefix: true } });
      const byId = new Map(keys.map((key) => [key.id, key.prefix]));
      return ids.map((id) => byId.get(id) ?? null);
    }, BATCHING),
  };
}

/**
 * The place in the one shared queue (the worker serves every team first come, first served),
 * so it counts every team's QUEUED rows: a number, never whose they are.
 * Two queries for any number of rows: the QUEUED rows older than the oldest asked for are only
 * counted, and the QUEUED ids between the oldest and newest asked for are listed (ids are
 * UUIDv7, so id order is creation order). A page of generations spans few queued rows.
 */
async function queuePositions(db: Db, ids: readonly string[]): Promise<Array<number | null>> {
  const sorted = [...ids].sort();
  const first = sorted[0] as string;
  const last = sorted[sorted.length - 1] as string;
  const [before, between] = await Promise.all([
    db.generation.count({ where: { status: "QUEUED", id: { lt: first } } }),
    db.generation.findMany({
      where: { status: "QUEUED", id: { gte: first, lte: last } },
      select: { id: true },
      orderBy: { id: "asc" },
    }),
  ]);
  const positions = new Map(between.map((row, index) => [row.id, before + index + 1]));
  return ids.map((id) => positions.get(id) ?? null);
}
