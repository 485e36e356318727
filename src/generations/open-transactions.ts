import type { Db } from "../db/client";

/**
 * The transactions open in the database right now that may hold an event's sequence value, each named by its backend and start time
 * (`pid@xact_start`, which no later transaction can repeat), or null when some cannot be seen
 * (another role's sessions without pg_read_all_stats, or track_activities off).
 *
 * The event feed uses it to tell a sequence value rolled back from one still to commit: a
 * value missing below a visible one was taken by a transaction that began before that read.
 * Once every transaction open at a look taken after the read has ended, the value either is
 * visible to the next read or never will be.
 */
export type OpenTransactionProbe = () => Promise<ReadonlySet<string> | null>;

/**
 * PostgreSQL: the transactions of this database that may hold an event's sequence value, on the
 * feed's connection: those holding a lock on "GenerationEvent" in ROW EXCLUSIVE mode (an INSERT
 * takes it before its row's nextval and keeps it to the end of the transaction), and prepared
 * transactions, which pg_stat_activity does not list. A transaction that never wrote an event
 * cannot hold a missing value: waiting for it (one queued for the audit head's row lock, say)
 * held every stream back for seconds in the SSE bench on PostgreSQL.
 */
export function postgresOpenTransactions(db: Db): OpenTransactionProbe {
  return async () => {
    const rows = await db.$feedRows.select<{ id: string | null; unseen: boolean }>(
      { model: "pg_stat_activity", operation: "queryRaw" },
      `SELECT a.pid || '@' || a.xact_start::text AS id,
              (a.query = '<insufficient privilege>' OR a.state = 'disabled') AS unseen
         FROM pg_stat_activity a
        WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
          AND (a.query = '<insufficient privilege>' OR a.state = 'disabled'
               OR (a.xact_start IS NOT NULL AND EXISTS (
                     SELECT 1 FROM pg_locks l
                      WHERE l.pid = a.pid AND l.relation = '"GenerationEvent"'::regclass AND l.mode = 'RowExclusiveLock')))
       UNION ALL
       SELECT 'prepared@' || p.transaction::text, false FROM pg_prepared_xacts p WHERE p.database = current_database()`,
    );
    if (rows.some((row) => row.unseen)) return null;
    return new Set(rows.map((row) => row.id).filter((id): id is string => id !== null));
  };
}
