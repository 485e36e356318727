// The event feed's reads (event-feed.ts), as fixed SQL on `db.$feedRows` (src/db/rows.ts): no
// Prisma query compiler on the path every change takes, and on PostgreSQL a connection of the
// feed's own. Reported to onQuery under the Prisma operations they stand for.
import type { Db } from "../db/client";
import { EVENT_COLUMNS, placeholders } from "./history-reads";
import type { GenerationEventRow, GenerationRow } from "./types";

/** Events after `after` in sequence order, at most `limit`, each with its generation as read now. */
export async function selectEventsAfter(
  db: Db,
  after: number,
  limit: number,
): Promise<Array<GenerationEventRow & { generation: GenerationRow }>> {
  const events = await db.$feedRows.select<GenerationEventRow>(
    { model: "GenerationEvent", operation: "findMany" },
    `SELECT ${EVENT_COLUMNS} FROM "GenerationEvent" WHERE "id" > ? ORDER BY "id" ASC LIMIT ?`,
    [after, limit],
  );
  if (events.length === 0) return [];
  const ids = [...new Set(events.map((event) => event.generationId))];
  const generations = await db.$feedRows.select<GenerationRow>(
    { model: "Generation", operation: "findMany" },
    `SELECT * FROM "Generation" WHERE "id" IN (${placeholders(ids.length)})`,
    ids,
  );
  const byId = new Map(generations.map((generation) => [generation.id, generation]));
  // Events are never written without their generation, nor generations deleted under them.
  return events.map((event) => ({ ...event, generation: byId.get(event.generationId) as GenerationRow }));
}

/** Whether the event with this sequence is visible. */
export async function eventExists(db: Db, id: number): Promise<boolean> {
  const rows = await db.$feedRows.select({ model: "GenerationEvent", operation: "findFirst" }, `SELECT "id" FROM "GenerationEvent" WHERE "id" = ?`, [id]);
  return rows.length > 0;
}
