// Event rows as the journal writes them: the columns, and one fixed INSERT for any number of
// rows (insert-rows.ts) instead of Prisma's createMany/create, which compiled every value into
// its WebAssembly query plan on each of a generation's ~10 event writes (status polls included).
import type { Tx } from "../db/client";
import type { Sql } from "@prisma/client/runtime/client";
import { insertRows, insertRowsSql } from "../db/insert-rows";
import type { Prisma } from "../generated/sqlite/client";

/** One event row as the journal writes it. */
export type EventRow = Prisma.GenerationEventCreateManyInput;

/** The columns an event is written with, and their PostgreSQL types (one-statement-move.ts casts VALUES to them). */
export const EVENT_COLUMNS = [
  ["generationId", "text"],
  ["type", "text"],
  ["fromStatus", "text"],
  ["toStatus", "text"],
  ["method", "text"],
  ["path", "text"],
  ["httpStatus", "integer"],
  ["durationMs", "integer"],
  ["attempt", "integer"],
  ["errorCode", "text"],
  ["message", "text"],
  ["createdAt", "timestamp(3)"],
] as const;

const NAMES = EVENT_COLUMNS.map(([column]) => column);

/**
 * INSERTs `events` in one statement, in the caller's transaction. Outside one (a status read's
 * events) the journal runs eventRowsInsertSql on the driver adapter instead (`db.$rows.execute`).
 */
export function insertEventRows(db: Pick<Tx, "$executeRaw">, events: readonly EventRow[]): Promise<void> {
  return insertRows(db, "GenerationEvent", NAMES, values(events));
}

/** That INSERT as a fragment of another statement (audit/log.ts runs it with an audit entry). `events` must not be empty. */
export function eventRowsInsertSql(events: readonly EventRow[]): Sql {
  return insertRowsSql("GenerationEvent", NAMES, values(events));
}

function values(events: readonly EventRow[]) {
  return events.map((event) => NAMES.map((column) => ((event as Record<string, unknown>)[column] ?? null) as string | number | Date | null));
}
