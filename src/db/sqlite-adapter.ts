// The Prisma libsql adapter on ONE SQLite connection per process, with a busy timeout and
// PostgreSQL's LIKE escaping (see sqlite-like-escape.ts).
import type { Client, Config, InStatement, ResultSet, Transaction, TransactionMode } from "@libsql/client";
import { PrismaLibSQL } from "@prisma/adapter-libsql";
import { sqliteBusyTimeoutMs } from "./migrate-sqlite";
import { sqliteFilePath } from "./provider";
import { withLikeEscape } from "./sqlite-like-escape";
import { SqliteLocalClient } from "./sqlite-local-client";

/**
 * Prisma asks for every transaction "deferred"; each of the gateway's transactions writes, so it
 * begins IMMEDIATE instead: the database's write lock is taken (or waited for, up to the busy
 * timeout) at BEGIN. A transaction then needs no write as its first statement to serialise with
 * other processes (the team's budget lock is no statement at all on SQLite: lockTeamBudget), and
 * one that reads before it writes never fails because another process wrote in between.
 */
const BEGIN: Record<TransactionMode, string> = { deferred: "BEGIN IMMEDIATE", write: "BEGIN IMMEDIATE", read: "BEGIN DEFERRED" };

/**
 * libsql's `transaction()` hands its connection to the transaction and opens a new one for
 * the client, and nothing closes the old one when the transaction ends: every transaction
 * left an open file and native memory behind until garbage collection (1,876 descriptors on
 * the database file with 1,000 generations in flight; under `ulimit -n 1024` requests failed).
 *
 * Prisma's adapter already runs one statement or one whole transaction at a time (its mutex is
 * held from BEGIN to COMMIT), so here a transaction is BEGIN ... COMMIT on the one connection.
 * A statement that fails may stay "in progress" on its connection (a later COMMIT there fails
 * with SQLITE_BUSY), so after any failure the connection is replaced; a transaction it was in
 * is then over, as on PostgreSQL, where a failed statement aborts the transaction.
 *
 * Each connection is a SqliteLocalClient (rows as arrays, statements kept prepared), not
 * @libsql/client's, whose per-row decoding dominated reading a page.
 *
 * The busy timeout (libsql starts with 0: a write while another PROCESS holds the lock would
 * fail at once) is set on each connection as it opens.
 */
export class PrismaLibSQLWithBusyTimeout extends PrismaLibSQL {
  override createClient(config: Config): Client {
    return new OneConnection(() => {
      const client = withLikeEscape(new SqliteLocalClient(sqliteFilePath(config.url)) as unknown as Client);
      // The local client runs the statement synchronously, before this returns.
      void client.execute(`PRAGMA busy_timeout = ${sqliteBusyTimeoutMs}`);
      return client;
    }) as unknown as Client;
  }
}

class OneConnection {
  private current: Client;
  /** Bumped when the connection is replaced: a transaction begun on an older one is over. */
  private generation = 0;

  constructor(private readonly open: () => Client) {
    this.current = open();
  }

  get closed(): boolean {
    return this.current.closed;
  }

  get protocol(): string {
    return this.current.protocol;
  }

  execute(statement: InStatement): Promise<ResultSet> {
    return this.guarded(() => this.current.execute(statement));
  }

  executeMultiple(sql: string): Promise<void> {
    return this.guarded(() => this.current.executeMultiple(sql));
  }

  async batch(statements: InStatement[]): Promise<ResultSet[]> {
    return this.guarded(() => this.current.batch(statements));
  }

  async transaction(mode: TransactionMode = "deferred"): Promise<Transaction> {
    await this.execute(BEGIN[mode]);
    return this.transactionOn(this.generation);
  }

  close(): void {
    this.current.close();
  }

  private async guarded<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      this.replace();
      throw error;
    }
  }

  /**
   * Ends what the connection had open and closes it, and opens a fresh one. The ROLLBACK comes
   * first: a connection whose failed statement is still pending would otherwise stay open
   * (and keep its write lock) until garbage collection finalizes that statement.
   */
  private replace(): void {
    const old = this.current;
    this.current = this.open();
    this.generation += 1;
    void old
      .execute("ROLLBACK")
      .catch(() => undefined)
      .finally(() => old.close());
  }

  private transactionOn(generation: number): Transaction {
    let ended = false;
    const over = () => ended || generation !== this.generation;
    const live = () => {
      if (over()) {
        throw Object.assign(new Error("The transaction is closed (a statement in it failed)"), { code: "TRANSACTION_CLOSED" });
      }
    };
    const statement = (sql: InStatement) => {
      live();
      return this.execute(sql);
    };
    return {
      execute: statement,
      batch: async (statements: InStatement[]) => {
        const results = [];
        for (const sql of statements) results.push(await statement(sql));
        return results;
      },
      // libsql's executeMultiple rolls back whatever transaction is open; Prisma never calls it here.
      executeMultiple: async () => {
        throw new Error("executeMultiple is not available inside a transaction");
      },
      commit: async () => {
        live();
        ended = true;
        await this.execute("COMMIT");
      },
      rollback: async () => {
        if (over()) return;
        ended = true;
        await this.execute("ROLLBACK");
      },
      close: () => {
        if (!over()) void this.execute("ROLLBACK").catch(() => undefined);
        ended = true;
      },
      get closed() {
        return over();
      },
    } as Transaction;
  }
}
