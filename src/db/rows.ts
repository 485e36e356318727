// Hot reads, and the worker's writes that need no transaction, without Prisma's per-query
// compiler: fixed SQL on the same driver adapter.
//
// Prisma 6.19's client engine compiles every operation to a query plan in WebAssembly, with
// the arguments inlined, so nothing is cached: a history page (list, count, events) spent
// ~40 % of the gateway's CPU compiling and mapping, more than executing GraphQL. The few reads
// every page and every subscriber make go through here instead: SQL written once per
// provider, run by Prisma's own driver adapter (the same SQLite connection and its lock, the
// same PostgreSQL pool), each reported to onQuery and traced like a Prisma operation. Raw
// statements too went through that compiler: ~0.45 ms of CPU each in a completion burst, the
// worker's status reads, one-statement moves and audit seals among them (`run`, `execute`).
import type { Sql } from "@prisma/client/runtime/client";
import type { SqlDriverAdapter, SqlDriverAdapterFactory, SqlQueryable, Transaction } from "@prisma/driver-adapter-utils";
import type { DatabaseProvider } from "./provider";

export type SqlArg = string | number | boolean | Date | null;

/** What a statement is, for onQuery and spans: the Prisma operation it stands for. */
export interface ReadLabel {
  model: string;
  operation: string;
}

export interface RowReader {
  readonly provider: DatabaseProvider;
  /**
   * Runs one statement outside any transaction. `sql` uses `?` placeholders (turned into $1,
   * $2… on PostgreSQL) and quoted identifiers. Rows come back as objects keyed by column, with
   * DateTime columns as Dates and Boolean columns as booleans, as Prisma returns them.
   */
  select<T = Record<string, unknown>>(label: ReadLabel, sql: string, args?: readonly SqlArg[]): Promise<T[]>;
  /**
   * Runs a statement built with Prisma's sql tag (its values bound, as `$queryRaw` binds them)
   * outside any transaction: its rows, converted as `select` converts them. Never inside a
   * transaction's callback: this is another connection (PostgreSQL) or waits for the
   * transaction to end (SQLite's one connection).
   */
  run<T = Record<string, unknown>>(label: ReadLabel, statement: Sql): Promise<T[]>;
  /** The same for a statement that returns no rows: how many rows it changed. */
  execute(label: ReadLabel, statement: Sql): Promise<number>;
  /**
   * Runs `work` in a transaction on the driver adapter, its statements through the reader it is
   * given: no query compiler, no transaction manager. BEGIN as Prisma's own transactions begin
   * (IMMEDIATE on SQLite; plain on PostgreSQL, sent by adapter-pg); committed when `work`
   * resolves, rolled back when it throws (the error is rethrown). On PostgreSQL, as under
   * Prisma, a transaction that cannot start within TRANSACTION_MAX_WAIT_MS (every pooled
   * connection busy) fails with a contention error. Nothing but `work`'s reader may touch the
   * database until it settles.
   */
  transaction<T>(work: (tx: TransactionReader) => Promise<T>): Promise<T>;
}

/** A RowReader's statements, inside one transaction. */
export type TransactionReader = Pick<RowReader, "provider" | "select" | "run" | "execute">;

export interface RowReaderOptions {
  provider: DatabaseProvider;
  /** Resolves to the adapter Prisma connected (see captureAdapter). */
  adapter: () => Promise<SqlDriverAdapter>;
  onQuery?: (query: { model?: string; operation: string; durationMs: number }) => void;
  /** Wraps each read (tracing on: a `db <Model>.<operation>` span). */
  around?: <T>(label: ReadLabel, run: () => Promise<T>) => Promise<T>;
}

// @prisma/driver-adapter-utils' ColumnTypeEnum (only the values converted here).
const INT64 = 1;
const NUMERIC = 4;
const BOOLEAN = 5;
const DATETIME = 10;

export function createRowReader(options: RowReaderOptions): RowReader {
  const statements = new Map<string, string>();
  const dialect = (sql: string): string => {
    if (options.provider === "sqlite") return sql;
    let text = statements.get(sql);
    if (text === undefined) {
      let n = 0;
      text = sql.replace(/\?/g, () => `$${++n}`);
      statements.set(sql, text);
    }
    return text;
  };
  const around = <T>(label: ReadLabel, work: () => Promise<T>): Promise<T> => (options.around ? options.around(label, work) : work());
  // Prisma's Sql: `text` numbers its placeholders ($1, $2…, PostgreSQL), `sql` marks them with ? (SQLite).
  const textOf = (statement: Sql): string => (options.provider === "postgresql" ? statement.text : statement.sql);
  /** The statements, on the adapter or on one of its transactions. */
  const readerOn = (on: () => Promise<SqlQueryable>): TransactionReader => {
    const query = <T>(label: ReadLabel, sql: string, args: readonly SqlArg[]): Promise<T[]> =>
      timed(label, async () => {
        const result = await (await on()).queryRaw({ sql, args: [...args], argTypes: args.map(argType) });
        return toObjects<T>(result.columnNames, result.columnTypes as number[], result.rows);
      });
    const execute = (label: ReadLabel, sql: string, args: readonly SqlArg[]): Promise<number> =>
      timed(label, async () => (await on()).executeRaw({ sql, args: [...args], argTypes: args.map(argType) }));
    return {
      provider: options.provider,
      select: (label, sql, args = []) => around(label, () => query(label, dialect(sql), args)),
      run: (label, statement) => around(label, () => query(label, textOf(statement), statement.values as SqlArg[])),
      execute: (label, statement) => around(label, () => execute(label, textOf(statement), statement.values as SqlArg[])),
    };
  };
  const timed = async <T>(label: ReadLabel, work: () => Promise<T>): Promise<T> => {
    const startedAt = performance.now();
    try {
      return await work();
    } catch (error) {
      throw described(error);
    } finally {
      options.onQuery?.({ model: label.model, operation: label.operation, durationMs: performance.now() - startedAt });
    }
  };
  return {
    ...readerOn(options.adapter),
    async transaction<T>(work: (tx: TransactionReader) => Promise<T>): Promise<T> {
      // SQLite's one connection is waited for, however long: what is ahead of a transaction there
      // is this process's own statements, each well under a millisecond.
      const adapter = await options.adapter();
      const transaction = options.provider === "postgresql" ? await startWithin(adapter, TRANSACTION_MAX_WAIT_MS) : await adapter.startTransaction();
      let result: T;
      try {
        result = await work(readerOn(async () => transaction));
      } catch (error) {
        // The work's error is the one to report; a failed ROLLBACK ended the transaction anyway.
        await end(transaction, "ROLLBACK").catch(() => undefined);
        throw error;
      }
      await end(transaction, "COMMIT");
      return result;
    },
  };
}

/** Prisma's default `maxWait` for an interactive transaction to start (its P2028 past it). */
export const TRANSACTION_MAX_WAIT_MS = 2_000;

/**
 * No transaction could start in time: every pooled connection was in use. The code is Prisma's
 * for the same condition ("Unable to start a transaction in the given time"), so callers treat
 * both alike (src/db/contention.ts).
 */
export class TransactionStartTimeout extends Error {
  override readonly name = "TransactionStartTimeout";
  readonly code = "P2028";
  constructor(waitedMs: number) {
    super(`Unable to start a transaction in the given time (${waitedMs} ms): every database connection is in use.`);
  }
}

/** The adapter's transaction, or TransactionStartTimeout; one that starts later is rolled back at once. */
async function startWithin(adapter: SqlDriverAdapter, maxWaitMs: number): Promise<Transaction> {
  const starting = adapter.startTransaction();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), maxWaitMs)));
  try {
    const first = await Promise.race([starting, late]);
    if (first !== "late") return first;
  } finally {
    clearTimeout(timer);
  }
  starting.then((transaction) => end(transaction, "ROLLBACK")).catch(() => undefined);
  throw new TransactionStartTimeout(maxWaitMs);
}

/**
 * Ends `transaction` as Prisma's engine does. An adapter that leaves COMMIT and ROLLBACK to its
 * caller (PostgreSQL's, `usePhantomQuery: false`) gets the statement first, then commit() or
 * rollback(), which hand the pooled connection back; when that statement fails, the connection
 * was already handed back, with the error (src/db/pg-transactions.ts), and the error is thrown.
 * SQLite's adapter sends them itself.
 */
async function end(transaction: Transaction, how: "COMMIT" | "ROLLBACK"): Promise<void> {
  if (!transaction.options.usePhantomQuery) await transaction.executeRaw({ sql: how, args: [], argTypes: [] });
  await (how === "COMMIT" ? transaction.commit() : transaction.rollback());
}

/** Wraps a Prisma adapter factory so the adapter it connects can also serve a RowReader. */
export function captureAdapter<F extends SqlDriverAdapterFactory>(factory: F, connectClient: () => Promise<void>) {
  let connected: Promise<SqlDriverAdapter> | undefined;
  let resolve!: (adapter: SqlDriverAdapter) => void;
  const ready = new Promise<SqlDriverAdapter>((done) => (resolve = done));
  const connect = factory.connect.bind(factory);
  factory.connect = async () => {
    const adapter = await connect();
    resolve(adapter);
    return adapter;
  };
  return {
    factory,
    /** The connected adapter; connects the Prisma client first if nothing has yet. */
    adapter: () => (connected ??= connectClient().then(() => ready)),
  };
}

/**
 * adapter-pg names a mapped error by its kind alone ("TableDoesNotExist"); Prisma would have
 * said which table. The message gets the kind's fields, so a log says what failed. The error is
 * the same object, its `cause` (what the checks read: src/db/error-chain.ts) untouched.
 */
function described(error: unknown): unknown {
  if (!(error instanceof Error) || error.name !== "DriverAdapterError") return error;
  const { kind, ...fields } = (error as Error & { cause?: { kind?: unknown } }).cause ?? {};
  const details = Object.entries(fields).filter(([, value]) => value !== undefined);
  if (error.message === kind && details.length > 0) {
    error.message = `${kind} (${details.map(([name, value]) => `${name}: ${typeof value === "string" ? value : JSON.stringify(value)}`).join(", ")})`;
  }
  return error;
}

function argType(arg: SqlArg) {
  const scalarType =
    arg === null ? "unknown" : arg instanceof Date ? "datetime" : typeof arg === "boolean" ? "boolean" : typeof arg === "number" ? (Number.isInteger(arg) ? "int" : "float") : "string";
  return { scalarType, arity: "scalar" } as const;
}

function toObjects<T>(columns: string[], types: number[], rows: unknown[][]): T[] {
  const out = new Array<T>(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as unknown[];
    const object: Record<string, unknown> = {};
    for (let i = 0; i < columns.length; i++) {
      const value = row[i];
      const type = types[i];
      object[columns[i] as string] =
        value === null || value === undefined
          ? null
          : type === DATETIME
            ? new Date(value as string)
            : type === BOOLEAN
              ? value === true || value === 1 || value === "1" || value === "true"
              : type === INT64 || type === NUMERIC
                ? Number(value)
                : value;
    }
    out[r] = object as T;
  }
  return out;
}
