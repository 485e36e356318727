import type { SqlDriverAdapter, SqlDriverAdapterFactory, SqlQuery, Transaction } from "@prisma/driver-adapter-utils";

/**
 * Prisma 6.19 ends an interactive transaction by sending COMMIT or ROLLBACK through the
 * transaction and only then calling its commit()/rollback(), which is what hands the pooled
 * connection back. When that statement fails (the connection died: a restart, a failover,
 * pg_terminate_backend), the hand-back never happens: each loss took a pool slot for good, until
 * every request waited for a connection forever and pool.end() never returned
 * (test/db/pg-connection-loss.test.ts).
 *
 * This wraps @prisma/adapter-pg's factory so that a failed COMMIT or ROLLBACK releases the
 * connection with the error, which makes pg's pool destroy it rather than reuse it.
 */
export function releaseOnFailedEnd<F extends SqlDriverAdapterFactory>(factory: F): F {
  const connect = factory.connect.bind(factory);
  factory.connect = async () => {
    const adapter: SqlDriverAdapter = await connect();
    const start = adapter.startTransaction.bind(adapter);
    adapter.startTransaction = async (isolationLevel) => guard(await start(isolationLevel));
    return adapter;
  };
  return factory;
}

const ENDS_TRANSACTION = new Set(["COMMIT", "ROLLBACK"]);

/** adapter-pg's PgTransaction keeps its pg PoolClient as `client`. */
interface PooledTransaction extends Transaction {
  client?: { release(error?: Error | boolean): void };
}

function guard(transaction: PooledTransaction): Transaction {
  const executeRaw = transaction.executeRaw.bind(transaction);
  let released = false;
  transaction.executeRaw = async (query: SqlQuery) => {
    try {
      return await executeRaw(query);
    } catch (error) {
      if (ENDS_TRANSACTION.has(query.sql.trim().toUpperCase()) && !released) {
        released = true;
        transaction.client?.release(error instanceof Error ? error : new Error(String(error)));
      }
      throw error;
    }
  };
  return transaction;
}
