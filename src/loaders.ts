import DataLoader from "dataloader";
import type { Db } from "./db/client";
import type { GenerationEventRow, GenerationRow } from "./generations/types";

export interface Loaders {
  generationById: DataLoader<string, GenerationRow | null>;
  eventsByGenerationId: DataLoader<string, GenerationEventRow[]>;
  /** 1-based place among QUEUED rows, by creation (id) order; null when not QUEUED. */
  queuePositionById: DataLoader<string, number | null>;
}

/** Built per request (never shared), so one request's cache cannot serve another's data. */
export function createLoaders(db: Db): Loaders {
  return {
    generationById: new DataLoader(async (ids) => {
      const rows = await db.generation.findMany({ where: { id: { in: [...ids] } } });
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    queuePositionById: new DataLoader((ids) => queuePositions(db, ids)),
    eventsByGenerationId: new DataLoader(async (ids) => {
      const rows = await db.generationEvent.findMany({
        where: { generationId: { in: [...ids] } },
        orderBy: { id: "asc" },
      });
      const byGeneration = new Map<string, GenerationEventRow[]>(ids.map((id) => [id, []]));
      for (const row of rows) byGeneration.get(row.generationId)?.push(row);
      return ids.map((id) => byGeneration.get(id) ?? []);
    }),
  };
}

/**
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
