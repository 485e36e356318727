// PostgreSQL: a transition that only moves the row and adds its events (the claim, RUNNING, a
// retry back to QUEUED: no audit entry, no webhook; the result's settlement when it is known
// ahead, src/budget/ledger.ts settlementWithMove), as ONE statement. A
// data-modifying CTE is atomic on its own, so it needs no BEGIN and COMMIT around it: 1
// statement where the transaction took 4. The guard is the same (`where status = from`), and
// the events are still the last thing written before the commit (event-feed.ts).
import { type Sql, empty, join, raw, sqltag } from "@prisma/client/runtime/client";
import type { Db } from "../db/client";
import { columnList } from "../db/insert-rows";
import { EVENT_COLUMNS, type EventRow } from "./event-rows";
import type { GenerationRow } from "./types";

const NAME = /^[A-Za-z][A-Za-z0-9]*$/;

/**
 * Sets `data` on the row if it is in `from` (and `guard` holds) and inserts `events` only
 * then, in one statement; the row as written, or null when it was no longer in `from` (or the
 * guard failed).
 */
export async function moveInOneStatement(
  db: Db,
  id: string,
  from: string,
  data: Record<string, unknown>,
  events: readonly EventRow[],
  also: {
    /**
     * A data-modifying statement that reads the moved row from "moved" (the result's settlement:
     * src/budget/ledger.ts settlementWithMove; a final status's audit entries).
     */
    withMoved?: Sql;
    /** More the row (or the database) must satisfy for the move to happen at all. */
    guard?: Sql;
  } = {},
): Promise<GenerationRow | null> {
  const { withMoved, guard } = also;
  const sets = setClauses(data);
  const columns = columnList(EVENT_COLUMNS.map(([column]) => column));
  const values = join(
    events.map((event) => {
      const cells = EVENT_COLUMNS.map(([column, type]) => sqltag`${(event as Record<string, unknown>)[column] ?? null}::${raw(type)}`);
      return sqltag`(${join(cells)})`;
    }),
    ", ",
  );
  // On the driver adapter (src/db/rows.ts): rows as $queryRaw returns them, without its compiler.
  const rows = await db.$rows.run<GenerationRow>({ model: "Generation", operation: "updateMany" }, sqltag`
    WITH "moved" AS (
      UPDATE "Generation" SET ${join(sets)} WHERE "id" = ${id} AND "status" = ${from}${guard ? sqltag` AND ${guard}` : empty} RETURNING *
    ), ${withMoved ? sqltag`"alongside" AS (${withMoved}), ` : empty}"added" AS (
      INSERT INTO "GenerationEvent" (${columns})
      SELECT * FROM (VALUES ${values}) AS "v" (${columns}) WHERE EXISTS (SELECT 1 FROM "moved")
    )
    SELECT * FROM "moved"`);
  return rows[0] ?? null;
}

/** `"column" = value, …` for the defined entries of `data` (column names checked). */
function setClauses(data: Record<string, unknown>) {
  return Object.entries(data)
    .filter(([, value]) => value !== undefined)
    .map(([column, value]) => {
      if (!NAME.test(column)) throw new Error(`not a column name: ${column}`);
      return sqltag`${raw(`"${column}"`)} = ${value}`;
    });
}

/**
 * The guarded UPDATE of a transition inside its transaction (both databases): `data` on the
 * row if it is still in `from`, the row as written, or null. Raw SQL, not Prisma's
 * updateManyAndReturn, which compiled every value into a query plan on each of a generation's
 * ~5 transitions; $queryRaw returns the columns with Prisma's types (Dates, booleans), as the
 * journal's tests compare.
 */
export async function updateIfIn(tx: Pick<Db, "$queryRaw">, id: string, from: string, data: Record<string, unknown>): Promise<GenerationRow | null> {
  const rows = await tx.$queryRaw<GenerationRow[]>(
    sqltag`UPDATE "Generation" SET ${join(setClauses(data))} WHERE "id" = ${id} AND "status" = ${from} RETURNING *`,
  );
  return rows[0] ?? null;
}
