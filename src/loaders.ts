import DataLoader from "dataloader";
import type { Db } from "./db/client";
import type { GenerationEventRow, GenerationRow } from "./generations/types";

export interface Loaders {
  generationById: DataLoader<string, GenerationRow | null>;
  eventsByGenerationId: DataLoader<string, GenerationEventRow[]>;
}

/** Built per request (never shared), so one request's cache cannot serve another's data. */
export function createLoaders(db: Db): Loaders {
  return {
    generationById: new DataLoader(async (ids) => {
      const rows = await db.generation.findMany({ where: { id: { in: [...ids] } } });
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
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
