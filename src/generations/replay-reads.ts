// The reads of a subscription that resumes (`after`): the events it missed, with their
// generations, and whether there are too many to replay. Fixed SQL on db.$rows, not Prisma
// operations: a gateway restart brings every client back at once, each with its `after`, and
// through Prisma's query compiler each replay cost several milliseconds of the event loop's
// time (bench/RESULTS.md, thirteenth session). Reported to onQuery under the Prisma
// operations they replace.
import type { GenerationVisibility } from "../auth/visibility";
import type { Db } from "../db/client";
import { withGenerations } from "./feed-reads";
import { and, clause, EVENT_COLUMNS, generationWhere, type Where } from "./history-reads";
import type { GenerationFilterInput } from "./list";
import type { GenerationEventRow, GenerationRow } from "./types";

export interface ReplayRange {
  /** Events after this sequence… */
  after: number;
  /** …up to this one (inclusive); omitted: to the newest. */
  through?: number;
  /** Only this generation's events. */
  generationId?: string;
  /** Only events of generations these leave now (the tenant rule, statuses, a batch). */
  filter?: GenerationFilterInput;
  visibility?: GenerationVisibility;
}

/** Up to `limit` events of the range in sequence order, each with its generation as read now (one object per generation). */
export async function selectReplayPage(db: Db, range: ReplayRange, limit: number): Promise<Array<GenerationEventRow & { generation: GenerationRow }>> {
  return withGenerations(db.$rows, await selectReplayEvents(db, range, limit));
}

/** Up to `limit` events of the range, in sequence order. */
export function selectReplayEvents(db: Db, range: ReplayRange, limit: number): Promise<GenerationEventRow[]> {
  const where = eventWhere(db, range);
  return db.$rows.select<GenerationEventRow>(
    { model: "GenerationEvent", operation: "findMany" },
    `SELECT ${EVENT_COLUMNS} FROM "GenerationEvent"${clause(where)} ORDER BY "id" ASC LIMIT ?`,
    [...where.args, limit],
  );
}

/** Whether the range holds more than `max` events (the read stops at the first one past them: no COUNT). */
export async function replayLongerThan(db: Db, range: ReplayRange, max: number): Promise<boolean> {
  const where = eventWhere(db, range);
  const beyond = await db.$rows.select(
    { model: "GenerationEvent", operation: "findFirst" },
    `SELECT "id" FROM "GenerationEvent"${clause(where)} ORDER BY "id" ASC LIMIT 1 OFFSET ?`,
    [...where.args, max],
  );
  return beyond.length > 0;
}

function eventWhere(db: Db, range: ReplayRange): Where {
  const where: Where = { sql: '"id" > ?', args: [range.after] };
  if (range.through !== undefined) and(where, '"id" <= ?', range.through);
  if (range.generationId !== undefined) and(where, '"generationId" = ?', range.generationId);
  const generations = generationWhere(db, range.filter ?? {}, range.visibility ?? {});
  if (generations.sql) and(where, `"generationId" IN (SELECT "id" FROM "Generation" WHERE ${generations.sql})`, ...generations.args);
  return where;
}
