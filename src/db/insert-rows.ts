// Multi-row INSERTs of the accept path's append-only rows as one fixed statement, without
// Prisma's query compiler: Prisma 6.19 compiles every createMany to a plan in WebAssembly with
// the values inlined (nothing is cached), 1-3 ms of CPU each, several per admission and per
// audited write. The statement runs in the caller's transaction; Dates bind as Prisma binds
// them (the same stored text on SQLite, timestamp(3) on PostgreSQL).
import { type Sql, join, raw, sqltag } from "@prisma/client/runtime/client";
import type { Tx } from "./client";

export type InsertValue = string | number | boolean | Date | null;

/** `"a", "b"` (or `p."a", p."b"` with a prefix): a column list for fixed SQL. */
export function columnList(columns: readonly string[], prefix = ""): Sql {
  return raw(quotedColumns(columns, prefix));
}

/** The same list as text, for SQL written as a string (history-reads.ts). */
export function quotedColumns(columns: readonly string[], prefix = ""): string {
  return columns.map((column) => `${prefix}"${column}"`).join(", ");
}

/** INSERT INTO "table" ("a", "b") VALUES (?, ?), (?, ?)…: one statement for all `rows`. */
export async function insertRows(tx: Pick<Tx, "$executeRaw">, table: string, columns: readonly string[], rows: ReadonlyArray<readonly InsertValue[]>): Promise<void> {
  if (rows.length === 0) return;
  await tx.$executeRaw(insertRowsSql(table, columns, rows));
}

/** The same INSERT as a fragment, for a statement that runs it beside something else (a CTE). `rows` must not be empty. */
export function insertRowsSql(table: string, columns: readonly string[], rows: ReadonlyArray<readonly InsertValue[]>): Sql {
  const head = sqltag`INSERT INTO ${raw(`"${table}"`)} (${columnList(columns)}) VALUES `;
  const values = join(
    rows.map((row) => {
      if (row.length !== columns.length) throw new Error(`insertRows ${table}: ${row.length} values for ${columns.length} columns`);
      return sqltag`(${join(row as InsertValue[])})`;
    }),
    ", ",
  );
  return sqltag`${head}${values}`;
}
