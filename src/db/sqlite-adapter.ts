// The Prisma libsql adapter, with a busy timeout on every connection it uses and
// PostgreSQL's LIKE escaping (see sqlite-like-escape.ts).
import type { Client, Config, TransactionMode } from "@libsql/client";
import { PrismaLibSQL } from "@prisma/adapter-libsql";
import { sqliteBusyTimeoutMs } from "./migrate-sqlite";
import { withLikeEscape } from "./sqlite-like-escape";

/**
 * libsql connections start with busy_timeout = 0: a write while another
 * connection or process holds the write lock fails at once with SQLITE_BUSY.
 * A `PRAGMA busy_timeout` through Prisma would not last: each interactive
 * transaction takes the client's connection and the client opens a new one
 * (without the pragma) for the next query. So the pragma is set on the
 * client's first connection and again on each replacement.
 *
 * The libsql driver is synchronous: while a connection waits for the lock the
 * whole process waits, so this helps against OTHER processes (or worker
 * threads), not against a second connection in the same thread.
 */
export class PrismaLibSQLWithBusyTimeout extends PrismaLibSQL {
  override createClient(config: Config): Client {
    const client = withLikeEscape(super.createClient(config));
    const setBusyTimeout = () => client.execute(`PRAGMA busy_timeout = ${sqliteBusyTimeoutMs}`);
    // The local client runs the statement synchronously, before this returns.
    void setBusyTimeout();
    const startTransaction = client.transaction.bind(client);
    client.transaction = async (mode?: TransactionMode) => {
      const tx = withLikeEscape(await startTransaction(mode));
      await setBusyTimeout(); // opens and configures the replacement connection
      return tx;
    };
    return client;
  }
}
