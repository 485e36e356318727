import { sqltag } from "@prisma/client/runtime/client";
import type { Db, Tx } from "../db/client";
import { columnList } from "../db/insert-rows";

/**
 * PostgreSQL: audited transactions write their entries to "AuditPending" (log.ts), a plain
 * INSERT that waits for nobody, and the entries enter the hash chain right after the commit, in
 * a seal: one statement that takes the audit head's row lock, chains every pending entry in
 * `id` order (the hash computed in SQL over the same canonical text as chain.ts), moves them
 * into "AuditEntry" and moves the head. The statement is its own transaction, so the head's lock
 * is held inside the database only, for the statement and its commit, never across a round trip
 * to a gateway process. Before, every audited transaction of every instance took that lock in
 * its own body and held it until its COMMIT came back: 50 generations ending together queued
 * for it (~40-80 ms each at p50 in the SSE bench, up to 300 ms).
 *
 * What stays true:
 * - an entry exists exactly when its action does: both commit in one transaction (pending);
 * - every committed entry is chained before the `$transaction` call (or `transact`,
 *   src/db/raw-transactions.ts) that wrote it returns (withAuditSealing, sealCommitted; the
 *   worker's transitions and admissions only start the seal, sealWithoutWaiting), and
 *   before any reader of the trail reads it (sealAudit, called by the listing and the
 *   verifier); a process that died between the two leaves its entries to the next seal, of any
 *   process (each seal takes all that are pending) or at the next start;
 * - sequences stay gap-free and each entry links to the one before: only the holder of the
 *   head's lock chains, and it takes that lock before it locks the entries it chains.
 *
 * SQLite does not use any of this: its transactions hold the database's single write lock from
 * BEGIN IMMEDIATE anyway, so its entries are chained in their own transaction.
 */

/** Entries one seal statement chains at most; a seal repeats while it found that many. */
const SEAL_BATCH = 500;

/** What an entry says, in both tables ("AuditPending" adds the canonical `tail`, log.ts). */
export const CONTENT = ["at", "action", "actorKeyId", "actorTeamId", "clientAddress", "subjectType", "subjectId", "details"] as const;

/** Transactions that wrote pending entries (log.ts marks them; withAuditSealing seals after their commit). */
const wrotePending = new WeakSet<object>();
/** Transactions whose caller goes on as soon as they commit: their seal runs meanwhile. */
const sealMeanwhile = new WeakSet<object>();

export function markPendingEntries(tx: Tx): void {
  wrotePending.add(tx);
}

/**
 * The caller of this transaction is not a reader of the trail and must not wait for the chain:
 * the worker's transitions, whose subscribers are told of the commit at once. The seal still
 * begins right after the commit; a reader of the trail waits for it (sealAudit).
 */
export function sealWithoutWaiting(tx: Tx): void {
  sealMeanwhile.add(tx);
}

/**
 * One pass: chains up to `limit` pending entries in one statement; how many it chained. The
 * head's row is locked before any pending row (the entries are joined to it), so two seals of
 * two processes take turns, and a turn chains only entries no other seal has taken.
 */
export async function sealOnce(db: Db, limit = SEAL_BATCH): Promise<number> {
  // On the driver adapter, not $queryRaw: no compiler pass for a statement of every audited write (src/db/rows.ts).
  const [row] = await db.$rows.run<{ sealed: number }>({ model: "AuditEntry", operation: "createMany" }, sqltag`
    WITH RECURSIVE
      head AS MATERIALIZED (
        SELECT "sequence", "hash" FROM "AuditHead" WHERE "id" = 1 FOR UPDATE
      ),
      batch AS MATERIALIZED (
        SELECT p."id", ${columnList(CONTENT, "p.")}, p."tail"
          FROM "AuditPending" p, head
         ORDER BY p."id"
         LIMIT ${limit}
           FOR UPDATE OF p SKIP LOCKED
      ),
      numbered AS (
        SELECT b.*, row_number() OVER (ORDER BY b."id") AS "n" FROM batch b
      ),
      chain AS (
        SELECT n."n", h."sequence" + 1 AS "sequence", h."hash" AS "prevHash",
               encode(sha256(convert_to('["' || h."hash" || '",' || (h."sequence" + 1) || ',' || n."tail", 'UTF8')), 'hex') AS "hash"
          FROM numbered n, head h
         WHERE n."n" = 1
        UNION ALL
        SELECT n."n", c."sequence" + 1, c."hash",
               encode(sha256(convert_to('["' || c."hash" || '",' || (c."sequence" + 1) || ',' || n."tail", 'UTF8')), 'hex')
          FROM chain c JOIN numbered n ON n."n" = c."n" + 1
      ),
      removed AS (
        DELETE FROM "AuditPending" WHERE "id" IN (SELECT "id" FROM batch)
      ),
      moved AS (
        UPDATE "AuditHead" SET "sequence" = (SELECT max("sequence") FROM chain)
         WHERE "id" = 1 AND EXISTS (SELECT 1 FROM chain)
      ),
      inserted AS (
        INSERT INTO "AuditEntry" ("sequence", ${columnList(CONTENT)}, "prevHash", "hash")
        SELECT c."sequence", ${columnList(CONTENT, "n.")}, c."prevHash", c."hash"
          FROM chain c JOIN numbered n ON n."n" = c."n"
        RETURNING 1
      )
    SELECT count(*)::int AS "sealed" FROM inserted`);
  // The INSERT moves the head's hash to the last entry's (trigger AuditEntry_moves_head, migration 0010).
  return Number(row?.sealed ?? 0);
}

/**
 * Seal passes of one database, shared: a caller is answered by a pass that began after it asked
 * (so it saw the caller's commit), and callers that ask while one runs share the next.
 */
export class AuditSealer {
  private current: Promise<void> | null = null;
  private queued: Promise<void> | null = null;

  constructor(
    private readonly db: Db,
    /** A failed pass is reported here; its entries stay pending for the next pass. */
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Resolves once every entry committed before the call is chained (or a pass failed, reported). */
  sealed(): Promise<void> {
    if (this.queued) return this.queued;
    if (!this.current) return this.start();
    const running = this.current;
    this.queued = running.then(() => {
      this.queued = null;
      return this.start();
    });
    return this.queued;
  }

  /** A pass of the caller's own, begun now; a failure reaches the caller (a reader: a trail it cannot complete must not look complete). */
  sealedOrThrow(): Promise<void> {
    return this.passUntilEmpty();
  }

  /** Resolves once the seals begun so far have ended, starting none (counting statements, draining). */
  async idle(): Promise<void> {
    while (this.queued ?? this.current) await (this.queued ?? this.current);
  }

  private start(): Promise<void> {
    const pass: Promise<void> = this.passUntilEmpty()
      .catch((error: unknown) => this.onError(error))
      .finally(() => {
        if (this.current === pass) this.current = null;
      });
    this.current = pass;
    return pass;
  }

  private async passUntilEmpty(): Promise<void> {
    while ((await sealOnce(this.db)) >= SEAL_BATCH) {
      // More were pending than one statement chains: go on.
    }
  }
}

const sealers = new WeakMap<object, AuditSealer>();

/**
 * The database client, with every interactive transaction that wrote pending entries sealed
 * right after its commit, before `$transaction` returns (PostgreSQL).
 */
export function withAuditSealing(db: Db, onError: (error: unknown) => void): Db {
  const transaction = db.$transaction.bind(db) as (...args: unknown[]) => Promise<unknown>;
  const sealing = new Proxy(db, {
    get(target, property) {
      if (property === "$transaction") return sealingTransaction;
      return Reflect.get(target, property);
    },
  });
  async function sealingTransaction(first: unknown, ...rest: unknown[]) {
    if (typeof first !== "function") return transaction(first, ...rest);
    let used: object | undefined;
    const result = await transaction((tx: object) => {
      used = tx;
      return (first as (tx: object) => unknown)(tx);
    }, ...rest);
    if (used) await sealCommitted(sealing, used);
    return result;
  }
  sealers.set(sealing, new AuditSealer(sealing, onError));
  return sealing;
}

/**
 * After `tx` committed: chains the pending entries it wrote, waited for unless its caller said
 * not to (sealWithoutWaiting). For transactions run outside `$transaction` (src/db/raw-transactions.ts).
 */
export async function sealCommitted(db: Db, tx: object): Promise<void> {
  if (!wrotePending.has(tx)) return;
  const sealed = sealers.get(db)?.sealed();
  if (sealed && !sealMeanwhile.has(tx)) await sealed;
}

/**
 * A seal pass begun now, not waited for, for entries written outside a sealing transaction (a
 * final transition in one statement: journal.ts). A failure is reported, and its entries stay
 * pending for the next pass.
 */
export function sealSoon(db: Db): void {
  void sealers.get(db)?.sealed();
}

/**
 * Before reading the trail: every entry committed so far is chained (PostgreSQL; SQLite's
 * always are). Throws when the pending entries cannot be chained now.
 */
export async function sealAudit(db: Db): Promise<void> {
  await sealers.get(db)?.sealedOrThrow();
}

/** Once the seals this process began have ended (none begun: at once). Starts none. */
export async function auditSealsIdle(db: Db): Promise<void> {
  await sealers.get(db)?.idle();
}
