// The reads every history page, every subscriber and every worker step makes, as fixed SQL
// through db.$rows (src/db/rows.ts) instead of Prisma operations: one page, its count, its
// events, and generations by id. Same rows, same order, same tenant rule (visibleTo) as the
// Prisma queries they replace; each is reported to onQuery under that Prisma operation's name,
// so the per-page statement counts in tests still see every one.
import type { GenerationVisibility } from "../auth/visibility";
import type { Db } from "../db/client";
import { quotedColumns } from "../db/insert-rows";
import type { SqlArg } from "../db/rows";
import { type EventColumn, EVENT_COLUMN_NAMES } from "./event-selection";
import type { GenerationColumn } from "./generation-selection";
import type { GenerationFilterInput } from "./list";
import type { GenerationEventRow, GenerationRow } from "./types";

/** A WHERE clause (without the keyword) and its arguments, in order. */
export interface Where {
  sql: string;
  args: SqlArg[];
}

/** GenerationEvent's columns, as the feed reads them (feed-reads.ts). */
export const EVENT_COLUMNS = quotedColumns(EVENT_COLUMN_NAMES);

export interface PageQuery {
  filter: GenerationFilterInput;
  visibility: GenerationVisibility;
  /** Only ids below (newer-first paging) / above this one. */
  beforeId?: string;
  afterId?: string;
  /** Oldest first instead of newest first (paging backwards). */
  ascending: boolean;
  limit: number;
  /** Only these columns of each row (the query's selection: generation-selection.ts); null: every one. */
  columns: readonly GenerationColumn[] | null;
}

/** One page of generations, by id (creation order); rows hold only `query.columns`. */
export function selectPage(db: Db, query: PageQuery): Promise<GenerationRow[]> {
  const where = generationWhere(db, query.filter, query.visibility);
  if (query.beforeId) and(where, '"id" < ?', query.beforeId);
  if (query.afterId) and(where, '"id" > ?', query.afterId);
  const list = query.columns ? selectList(db, query) : { sql: "*", args: [] };
  return db.$rows.select<GenerationRow>(
    { model: "Generation", operation: "findMany" },
    `SELECT ${list.sql} FROM "Generation"${clause(where)} ORDER BY "id" ${query.ascending ? "ASC" : "DESC"} LIMIT ?`,
    [...list.args, ...where.args, query.limit],
  );
}

/**
 * The selected columns, and two that are counted by the page's own statement:
 * - eventCount, the number of the row's events (an index-only count per row of the page): a
 *   list of that many, read before, is the whole list as this statement sees it, since events
 *   are only ever appended (event-lists.ts);
 * - totalCount, what countGenerations would answer, on every row (computed once: the subquery
 *   does not depend on the row), so the page and its count are one statement, seen at one time.
 */
function selectList(db: Db, query: PageQuery): Where {
  const list: Where = { sql: "", args: [] };
  for (const column of query.columns ?? []) {
    if (list.sql) list.sql += ", ";
    if (column === "eventCount") {
      list.sql += `(SELECT CAST(COUNT(*) AS INTEGER) FROM "GenerationEvent" AS "e" WHERE "e"."generationId" = "Generation"."id") AS "eventCount"`;
    } else if (column === "totalCount") {
      const count = countQuery(db, query.filter, query.visibility);
      list.sql += `(${count.sql}) AS "totalCount"`;
      list.args.push(...count.args);
    } else {
      list.sql += `"${column}"`;
    }
  }
  return list;
}

/**
 * How many generations the filter and the tenant rule leave. A team's whole history is its
 * row's generationCount (kept by a trigger, migration 0009): one row read, not a COUNT over
 * every generation it ever made. A filter, the admin's view or anonymous ones still count.
 */
export async function countGenerations(db: Db, filter: GenerationFilterInput, visibility: GenerationVisibility): Promise<number> {
  const count = countQuery(db, filter, visibility);
  const [row] = await db.$rows.select<{ n: number }>(
    count.team ? { model: "Team", operation: "findUnique" } : { model: "Generation", operation: "count" },
    count.sql,
    count.args,
  );
  return Number(row?.n ?? 0);
}

/** countGenerations' statement (one column, "n"), also a scalar subquery of a page's (selectList). */
function countQuery(db: Db, filter: GenerationFilterInput, visibility: GenerationVisibility): Where & { team: boolean } {
  if (visibility.teamId != null && generationWhere(db, filter, {}).sql === "") {
    return { sql: 'SELECT "generationCount" AS "n" FROM "Team" WHERE "id" = ?', args: [visibility.teamId], team: true };
  }
  const where = generationWhere(db, filter, visibility);
  return { sql: `SELECT COUNT(*) AS "n" FROM "Generation"${clause(where)}`, args: where.args, team: false };
}

/** The generations with these ids that the tenant rule lets the caller see. */
export function selectGenerationsById(db: Db, ids: readonly string[], visibility: GenerationVisibility): Promise<GenerationRow[]> {
  const where = generationWhere(db, {}, visibility);
  and(where, `"id" IN (${placeholders(ids.length)})`, ...ids);
  return db.$rows.select<GenerationRow>({ model: "Generation", operation: "findMany" }, `SELECT * FROM "Generation"${clause(where)}`, where.args);
}

/**
 * One generation by id, every column, whoever owns it: the row a worker step starts from and
 * a subscription to one generation reads first. The row generation.findUnique gives, at a
 * tenth of its CPU (1.3-2.4 ms a read through Prisma's query compiler and interpreter,
 * 0.07-0.23 ms here: bench/RESULTS.md, thirteenth session).
 */
export async function selectGenerationById(db: Db, id: string): Promise<GenerationRow | null> {
  const [row] = await db.$rows.select<GenerationRow>({ model: "Generation", operation: "findUnique" }, `SELECT * FROM "Generation" WHERE "id" = ?`, [id]);
  return row ?? null;
}

/**
 * The events of these generations, only `columns` of each (event-selection.ts), grouped by
 * generation in event order. One row per generation, its events as one JSON array of arrays:
 * the driver hands JavaScript one value per generation instead of one per column of every
 * event (on SQLite, creating those values was most of a page's read time).
 */
export async function selectEventsOf(
  db: Db,
  generationIds: readonly string[],
  columns: readonly EventColumn[],
): Promise<Map<string, GenerationEventRow[]>> {
  const postgres = db.$rows.provider === "postgresql";
  const list = quotedColumns(columns);
  // SQLite's json_group_array(... ORDER BY) would hand back each inner array as a string (the
  // JSON subtype does not survive the sort), so the array's text is concatenated instead.
  const events = postgres ? `json_agg(json_build_array(${list}) ORDER BY "id")` : `'[' || group_concat(json_array(${list}), ',' ORDER BY "id") || ']'`;
  const rows = await db.$rows.select<{ events: unknown }>(
    { model: "GenerationEvent", operation: "findMany" },
    `SELECT ${events} AS "events" FROM "GenerationEvent" WHERE "generationId" IN (${placeholders(generationIds.length)}) GROUP BY "generationId"`,
    generationIds,
  );
  const createdAt = columns.indexOf("createdAt");
  const generationId = columns.indexOf("generationId");
  const byGeneration = new Map<string, GenerationEventRow[]>();
  for (const row of rows) {
    const values = (typeof row.events === "string" ? JSON.parse(row.events) : row.events) as unknown[][];
    const list: GenerationEventRow[] = new Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const value = values[i] as unknown[];
      const event: Record<string, unknown> = {};
      for (let c = 0; c < columns.length; c++) event[columns[c] as string] = value[c];
      if (createdAt >= 0) event.createdAt = storedDate(value[createdAt]);
      list[i] = event as GenerationEventRow;
    }
    byGeneration.set(String((values[0] as unknown[])[generationId]), list);
  }
  return byGeneration;
}

/** A DateTime as JSON carries it: PostgreSQL's timestamp(3) has no zone (Prisma keeps UTC). */
function storedDate(value: unknown): Date {
  if (typeof value === "string" && !/(Z|[+-]\d\d:?\d\d)$/.test(value)) return new Date(`${value}Z`);
  return new Date(value as string | number);
}

/** The filter of `generations(filter:)` and the tenant rule, as SQL on Generation's columns (list.ts documents each). */
export function generationWhere(db: Db, filter: GenerationFilterInput, visibility: GenerationVisibility): Where {
  const where: Where = { sql: "", args: [] };
  if ("teamId" in visibility) {
    if (visibility.teamId == null) and(where, '"teamId" IS NULL');
    else and(where, '"teamId" = ?', visibility.teamId);
  }
  if (filter.status?.length) and(where, `"status" IN (${placeholders(filter.status.length)})`, ...filter.status);
  if (filter.seed != null) and(where, '"seed" = ?', filter.seed);
  if (filter.videoSha256) and(where, '"videoSha256" = ?', filter.videoSha256.toLowerCase());
  if (filter.tag != null) {
    and(where, 'EXISTS (SELECT 1 FROM "GenerationTag" AS "t" WHERE "t"."generationId" = "Generation"."id" AND "t"."tag" = ?)', filter.tag);
  }
  if (filter.batchId != null) and(where, '"batchId" = ?', filter.batchId);
  if (filter.promptContains) {
    // Backslash-escaped so % and _ are literal. PostgreSQL's LIKE escapes with backslash and
    // needs ILIKE to ignore case; on SQLite (LIKE ignores ASCII case) sqlite-like-escape.ts
    // adds the ESCAPE clause to every " LIKE ?".
    const pattern = `%${filter.promptContains.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    and(where, db.$rows.provider === "postgresql" ? '"prompt" ILIKE ?' : '"prompt" LIKE ?', pattern);
  }
  if (filter.createdAfter) and(where, '"createdAt" >= ?', filter.createdAfter);
  if (filter.createdBefore) and(where, '"createdAt" < ?', filter.createdBefore);
  return where;
}

export function and(where: Where, condition: string, ...args: SqlArg[]): void {
  where.sql = where.sql ? `${where.sql} AND ${condition}` : condition;
  where.args.push(...args);
}

export function clause(where: Where): string {
  return where.sql ? ` WHERE ${where.sql}` : "";
}

/** `?, ?, …` for an IN list of `count` values (`NULL` when empty: matches nothing). */
export function placeholders(count: number): string {
  return count === 0 ? "NULL" : Array.from({ length: count }, () => "?").join(", ");
}
