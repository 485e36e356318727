// The event feed's reads (event-feed.ts), as fixed SQL on `db.$feedRows` (src/db/rows.ts): no
// Prisma query compiler on the path every change takes, and on PostgreSQL a connection of the
// feed's own. Reported to onQuery under the Prisma operations they stand for.
import type { Db } from "../db/client";
import { EVENT_COLUMN_NAMES } from "./event-selection";
import { EVENT_COLUMNS, placeholders } from "./history-reads";
import type { GenerationEventRow, GenerationRow } from "./types";

/** The event's columns in the joined read, each under a name no Generation column has. */
const JOINED_EVENT_COLUMNS = EVENT_COLUMN_NAMES.map((name) => `e."${name}" AS "ev_${name}"`).join(", ");

/** Events after `after` in sequence order, at most `limit`, each with its generation as read now. */
export async function selectEventsAfter(
  db: Db,
  after: number,
  limit: number,
): Promise<Array<GenerationEventRow & { generation: GenerationRow }>> {
  if (db.$feedRows.provider === "postgresql") return selectJoined(db, after, limit);
  const events = await db.$feedRows.select<GenerationEventRow>(
    { model: "GenerationEvent", operation: "findMany" },
    `SELECT ${EVENT_COLUMNS} FROM "GenerationEvent" WHERE "id" > ? ORDER BY "id" ASC LIMIT ?`,
    [after, limit],
  );
  return withGenerations(db.$feedRows, events);
}

/**
 * Each event with its generation as read now through `rows` (the feed's connection or the
 * pool): one statement for all of them, one object per generation, shared by its events.
 */
export async function withGenerations(rows: Db["$rows"], events: GenerationEventRow[]): Promise<Array<GenerationEventRow & { generation: GenerationRow }>> {
  if (events.length === 0) return [];
  const ids = [...new Set(events.map((event) => event.generationId))];
  const generations = await rows.select<GenerationRow>(
    { model: "Generation", operation: "findMany" },
    `SELECT * FROM "Generation" WHERE "id" IN (${placeholders(ids.length)})`,
    ids,
  );
  const byId = new Map(generations.map((generation) => [generation.id, generation]));
  // Events are never written without their generation, nor generations deleted under them.
  return events.map((event) => ({ ...event, generation: byId.get(event.generationId) as GenerationRow }));
}

/**
 * PostgreSQL: the same in one statement, the events joined to their generations. Each read
 * waits for the answer on the event loop, which in the SSE bench's burst took 30-60 ms a turn:
 * two statements in a row (the events, then their generations) made every change wait for two.
 * Columns are converted by their types as in any read, so the rows are those the two
 * statements gave. A generation's columns come with its first event of the page only (a
 * generation row is ~50 columns; repeated on every event, its decoding cost more than the
 * round trip saved); one object per generation, shared by its events.
 */
async function selectJoined(db: Db, after: number, limit: number): Promise<Array<GenerationEventRow & { generation: GenerationRow }>> {
  const rows = await db.$feedRows.select<Record<string, unknown>>(
    { model: "GenerationEvent", operation: "findMany" },
    // The generation's columns on its first event only (NULLs after): each row decoded once.
    `SELECT ${JOINED_EVENT_COLUMNS}, g.* FROM (
       SELECT *, row_number() OVER (PARTITION BY "generationId" ORDER BY "id") AS "ev_nth"
         FROM (SELECT * FROM "GenerationEvent" WHERE "id" > ? ORDER BY "id" ASC LIMIT ?) "page"
     ) e LEFT JOIN "Generation" g ON g."id" = e."generationId" AND e."ev_nth" = 1 ORDER BY e."id" ASC`,
    [after, limit],
  );
  const generations = new Map<string, GenerationRow>();
  return rows.map((row) => {
    const event: Record<string, unknown> = {};
    for (const name of EVENT_COLUMN_NAMES) event[name] = row[`ev_${name}`];
    let generation = generations.get(event.generationId as string);
    if (!generation && row.id != null) {
      const columns: Record<string, unknown> = {};
      for (const key in row) if (!key.startsWith("ev_")) columns[key] = row[key];
      generation = columns as unknown as GenerationRow;
      generations.set(generation.id, generation);
    }
    // Events are never written without their generation, nor generations deleted under them.
    return { ...(event as unknown as GenerationEventRow), generation: generation as GenerationRow };
  });
}

/** Whether the event with this sequence is visible. */
export async function eventExists(db: Db, id: number): Promise<boolean> {
  const rows = await db.$feedRows.select({ model: "GenerationEvent", operation: "findFirst" }, `SELECT "id" FROM "GenerationEvent" WHERE "id" = ?`, [id]);
  return rows.length > 0;
}

/**
 * The newest event's sequence (0: none yet), where a new subscription's stream begins. On the
 * pool (`$rows`), not the feed's connection: 200 subscribers arriving at once wait for no feed read.
 */
export async function latestEventSequence(db: Db): Promise<number> {
  const [newest] = await db.$rows.select<{ id: number }>({ model: "GenerationEvent", operation: "findFirst" }, `SELECT "id" FROM "GenerationEvent" ORDER BY "id" DESC LIMIT 1`);
  return newest?.id ?? 0;
}
