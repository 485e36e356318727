import { randomInt } from "node:crypto";
import { someErrorInChain } from "./error-chain";

/**
 * Contention, as opposed to an outage: the database is there, but this request waited too
 * long for its turn. A team's budget check is serialised on the team (src/budget/ledger.ts);
 * a burst of one team's requests queues behind it, and a request that cannot get a connection
 * or its lock in time is refused with a typed, retryable BusyError. Its transaction never
 * started or was rolled back, so nothing was stored. Recognised among Prisma's errors:
 * - P2028: "Unable to start a transaction in the given time" (every pooled connection is in a
 *   transaction waiting for the same team) or a transaction that passed its timeout.
 * - P2034: a write conflict or a deadlock ("please retry your transaction").
 * - PostgreSQL 55P03 (lock_not_available), 40001 (serialization_failure), 40P01 (deadlock);
 *   from a transaction on the driver adapter (src/db/rows.ts), adapter-pg reports 40001 as a
 *   TransactionWriteConflict, with no code.
 * SQLite's "database is locked" stays DATABASE_UNAVAILABLE (src/db/unavailable.ts): after a
 * 5 s busy timeout the lock is most likely held by another process, not by a request's peers.
 */
const PRISMA_CODES = new Set(["P2028", "P2034"]);
const POSTGRES_STATES = new Set(["55P03", "40001", "40P01"]);

export function isContention(error: unknown): boolean {
  return someErrorInChain(
    error,
    (value, code) => value.kind === "TransactionWriteConflict" || (code !== undefined && (PRISMA_CODES.has(code) || POSTGRES_STATES.has(code))),
  );
}

/** How long a client should wait before retrying: a second or so, spread so retries do not arrive together. */
export function busyRetryAfterMs(): number {
  return 500 + randomInt(0, 1_001);
}

export class BusyError extends Error {
  override readonly name = "BusyError";
  readonly code = "BUSY";
  constructor(readonly retryAfterMs: number = busyRetryAfterMs()) {
    super(
      `The gateway is handling many requests of this team at once and could not check this one against its budget in time. Nothing was stored or sent; retry after ${retryAfterMs} ms.`,
    );
  }
}
