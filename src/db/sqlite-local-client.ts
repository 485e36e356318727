// The part of @libsql/client's local client that Prisma's libsql adapter uses (execute,
// batch, executeMultiple, close), on the same `libsql` driver, without its per-row cost.
//
// @libsql/client prepares every statement anew and turns every row into an object with a
// property per column and per index, each made with Object.defineProperty (a dictionary-mode
// object per row). A page of 50 generations is ~800 event rows: that decoding alone was 12.6 %
// of the gateway's CPU serving it, with more in garbage collection. Prisma's adapter reads a
// row only by index (row[i], row.length), so here a row is the driver's own array ("raw"
// mode), and prepared statements are kept per SQL text (bounded) and reused.
//
// Values and errors are what @libsql/client gives with intMode "number" (the adapter's
// default): 64-bit integers come back as numbers (RangeError beyond 2^53), blobs as
// ArrayBuffers, driver errors as LibsqlError with SQLite's code and extended rawCode.
import { Buffer } from "node:buffer";
import { type InStatement, type InValue, LibsqlError, type ResultSet, type Row } from "@libsql/client";
import Database from "libsql";

type Prepared = ReturnType<Database.Database["prepare"]>;

interface PreparedEntry {
  statement: Prepared;
  reader: boolean;
  /** Names and declared types of its result columns (the schema does not change once the client is open). */
  columns: string[];
  columnTypes: string[];
}

/** Distinct SQL texts kept prepared; Prisma's statements are few shapes, IN-lists aside. */
const PREPARED_LIMIT = 256;
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_I64 = -9223372036854775808n;
const MAX_I64 = 9223372036854775807n;

export class SqliteLocalClient {
  readonly protocol = "file";
  closed = false;
  private readonly db: Database.Database;
  private readonly prepared = new Map<string, PreparedEntry>();

  constructor(path: string) {
    this.db = new Database(path);
  }

  async execute(statement: InStatement): Promise<ResultSet> {
    return this.run(statement);
  }

  async batch(statements: InStatement[]): Promise<ResultSet[]> {
    this.run("BEGIN DEFERRED");
    try {
      const results = statements.map((statement) => this.run(statement));
      this.run("COMMIT");
      return results;
    } finally {
      if (this.db.inTransaction) this.run("ROLLBACK");
    }
  }

  async executeMultiple(sql: string): Promise<void> {
    try {
      this.db.exec(sql);
    } catch (error) {
      throw driverError(error);
    } finally {
      if (this.db.inTransaction) this.run("ROLLBACK");
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.prepared.clear();
    this.db.close();
  }

  private run(statement: InStatement): ResultSet {
    if (this.closed) throw new LibsqlError("The client is closed", "CLIENT_CLOSED");
    const sql = typeof statement === "string" ? statement : statement.sql;
    const args = typeof statement === "string" ? [] : toArgs(statement.args);
    try {
      const { statement: prepared, reader, columns, columnTypes } = this.prepare(sql);
      if (!reader) {
        const info = prepared.run(args);
        return result([], [], [], info.changes, BigInt(info.lastInsertRowid));
      }
      const rows = prepared.all(args) as unknown[][];
      for (const row of rows) {
        for (let i = 0; i < row.length; i++) row[i] = fromSql(row[i]);
      }
      return result(columns, columnTypes, rows as unknown as Row[], 0, undefined);
    } catch (error) {
      throw driverError(error);
    }
  }

  private prepare(sql: string): PreparedEntry {
    const cached = this.prepared.get(sql);
    if (cached) return cached;
    const statement = this.db.prepare(sql);
    statement.safeIntegers(true);
    let reader = true;
    try {
      statement.raw(true);
    } catch {
      // raw() refuses a statement that returns no rows.
      reader = false;
    }
    const columns = reader ? statement.columns() : [];
    const entry = { statement, reader, columns: columns.map((column) => column.name), columnTypes: columns.map((column) => column.type ?? "") };
    if (this.prepared.size >= PREPARED_LIMIT) this.prepared.delete(this.prepared.keys().next().value as string);
    this.prepared.set(sql, entry);
    return entry;
  }
}

function result(columns: string[], columnTypes: string[], rows: Row[], rowsAffected: number, lastInsertRowid: bigint | undefined): ResultSet {
  return { columns, columnTypes, rows, rowsAffected, lastInsertRowid, toJSON: () => ({ columns, columnTypes, rows, rowsAffected }) };
}

function fromSql(value: unknown): unknown {
  if (typeof value === "bigint") {
    if (value < MIN_SAFE || value > MAX_SAFE) throw new RangeError("Received integer which cannot be safely represented as a JavaScript number");
    return Number(value);
  }
  if (value instanceof Buffer) return value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength);
  return value;
}

function toArgs(args: InStatement extends infer S ? (S extends { args?: infer A } ? A : never) : never): unknown[] {
  if (args === undefined) return [];
  if (!Array.isArray(args)) throw new TypeError("Named arguments are not used by Prisma and are not supported here");
  return (args as InValue[]).map(toSql);
}

function toSql(value: InValue | undefined): unknown {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new RangeError("Only finite numbers (not Infinity or NaN) can be passed as arguments");
    return value;
  }
  if (typeof value === "bigint") {
    if (value < MIN_I64 || value > MAX_I64) throw new RangeError("bigint is too large to be represented as a 64-bit integer and passed as argument");
    return value;
  }
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (value instanceof Date) return value.valueOf();
  if (value === undefined) throw new TypeError("undefined cannot be passed as argument to the database");
  return value;
}

function driverError(error: unknown): unknown {
  if (error instanceof Database.SqliteError) {
    const { code, rawCode } = error as unknown as { code: string; rawCode?: number };
    return new LibsqlError(error.message, code, rawCode, error as Error);
  }
  return error;
}
