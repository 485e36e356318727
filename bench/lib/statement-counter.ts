// Counts the SQL statements this process sends, at the drivers (pg's Client.query, the
// gateway's SQLite client src/db/sqlite-local-client.ts, where BEGIN and COMMIT are statements
// too, and @libsql/client's local client and transaction, which the migrator uses), so Prisma's own BEGIN/COMMIT, pragmas and lock calls count
// too: what the database really runs, not Prisma operations. Clients in `excluded` (the
// bench's own checks) are not counted.
import { Sqlite3Client, Sqlite3Transaction } from "@libsql/client/sqlite3";
import pg from "pg";
import { SqliteLocalClient } from "../../src/db/sqlite-local-client";

export interface StatementCount {
  statements: number;
  transactions: number;
  /** pg_advisory_xact_lock (and friends) calls. */
  advisoryLocks: number;
  /** The statements themselves, in order, when asked for (countStatements' `keepSql`). */
  sql?: string[];
}

export const excluded = new WeakSet<object>();
let current: StatementCount | null = null;

function record(sql: string, count = 1): void {
  if (!current) return;
  current.statements += count;
  if (current.sql) for (let i = 0; i < count; i++) current.sql.push(sql);
  if (/^\s*BEGIN/i.test(sql)) current.transactions++;
  if (/pg_advisory/i.test(sql)) current.advisoryLocks++;
}

function sqlOf(statement: unknown): string {
  if (typeof statement === "string") return statement;
  return String((statement as { text?: string; sql?: string })?.text ?? (statement as { sql?: string })?.sql ?? "");
}

let installed = false;
export function installCounter(): void {
  if (installed) return;
  installed = true;
  const pgQuery = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    if (!excluded.has(this)) record(sqlOf(args[0]));
    return (pgQuery as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof pgQuery;
  const localProto = SqliteLocalClient.prototype as unknown as Record<string, unknown>;
  for (const method of ["execute", "batch", "executeMultiple"]) {
    const original = localProto[method] as (...a: unknown[]) => unknown;
    localProto[method] = function (this: object, ...args: unknown[]) {
      if (!excluded.has(this)) {
        if (method === "batch") {
          record("BEGIN");
          record("COMMIT");
          for (const statement of args[0] as unknown[]) record(sqlOf(statement));
        } else record(sqlOf(args[0]));
      }
      return original.apply(this, args);
    };
  }
  const clientProto = Sqlite3Client.prototype as unknown as Record<string, unknown>;
  for (const proto of [clientProto, Sqlite3Transaction.prototype as unknown as Record<string, unknown>]) {
    for (const method of ["execute", "batch", "executeMultiple", "commit", "rollback", "transaction"]) {
      const original = proto[method] as ((...a: unknown[]) => unknown) | undefined;
      if (!original) continue;
      proto[method] = function (this: object, ...args: unknown[]) {
        if (!excluded.has(this)) {
          if (method === "batch") {
            const statements = args[0] as unknown[];
            // A client batch is BEGIN, the statements, COMMIT; inside a transaction just the statements.
            if (proto === clientProto) {
              record("BEGIN");
              record("COMMIT");
            }
            for (const statement of statements) record(sqlOf(statement));
          } else if (method === "transaction") record("BEGIN");
          else if (method === "commit") record("COMMIT");
          else if (method === "rollback") record("ROLLBACK");
          else record(sqlOf(args[0]));
        }
        return original.apply(this, args);
      };
    }
  }
}

/** Counts the statements sent while `work` runs (whoever in this process sends them). */
export async function countStatements(work: () => Promise<unknown>, options: { keepSql?: boolean } = {}): Promise<StatementCount> {
  const count: StatementCount = { statements: 0, transactions: 0, advisoryLocks: 0, ...(options.keepSql ? { sql: [] } : {}) };
  current = count;
  try {
    await work();
  } finally {
    current = null;
  }
  return count;
}
