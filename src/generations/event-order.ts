import type { Db, Tx } from "../db/client";


// Any fixed key; 0x5eedace reads as "seedace", easy to spot in pg_locks.
const EVENT_SEQUENCE_LOCK = 0x5eedace;

/**
 * Subscribers resume "after sequence N", so events must become visible in sequence order.
 * PostgreSQL hands out sequence values at insert but shows rows at commit: a reader could
 * see 11 before 10 commits and skip 10 for good. Serialising the transactions that write
 * events on one advisory lock makes commit order equal sequence order. SQLite already has
 * one writer at a time.
 */
export async function lockEventSequence(tx: Tx, provider: "sqlite" | "postgresql"): Promise<void> {
  if (provider === "postgresql") await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${EVENT_SEQUENCE_LOCK})`);
}
