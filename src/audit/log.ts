import { type Sql, empty, join, sqltag } from "@prisma/client/runtime/client";
import type { Clock } from "../clock";
import type { Db, Tx } from "../db/client";
import { columnList, insertRows } from "../db/insert-rows";
import { type AuditContent, type ChainedEntry, canonicalTail, entryHash, verifyChain } from "./chain";
import { CONTENT, markPendingEntries, sealAudit } from "./seal";


/** AuditEntry's columns, in the order every append writes them. */
const ENTRY_COLUMNS = ["sequence", "at", "action", "actorKeyId", "actorTeamId", "clientAddress", "subjectType", "subjectId", "details", "prevHash", "hash"] as const;
const ENTRY_COLUMN_LIST = columnList(ENTRY_COLUMNS);
/** AuditPending's (PostgreSQL): what the entry says, and the canonical text its hash covers. */
const PENDING_COLUMN_LIST = columnList([...CONTENT, "tail"]);

/** Every action the trail records; one vocabulary for the API, the CLI and the worker. */
export const AUDIT_ACTIONS = [
  "GENERATION_CREATED",
  "GENERATION_SUBMITTED",
  "GENERATION_SETTLED",
  "GENERATION_CANCELED",
  "TEAM_CREATED",
  "KEY_CREATED",
  "KEY_REVOKED",
  "KEY_ROTATED",
  "BUDGET_CHANGED",
  "WEBHOOK_ENDPOINT_CREATED",
  "WEBHOOK_ENDPOINT_UPDATED",
  "WEBHOOK_SECRET_ROTATED",
  "WEBHOOK_ENDPOINT_DELETED",
  "WEBHOOK_ENDPOINT_DISABLED",
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditRecord {
  action: AuditAction;
  actorKeyId?: string | null;
  actorTeamId?: string | null;
  clientAddress?: string | null;
  subjectType?: string | null;
  subjectId?: string | null;
  /** Amounts and ids worth keeping; stored as JSON text. */
  details?: Record<string, unknown>;
  /** When it happened, when not the clock's now (entries of several requests appended together). */
  at?: Date;
}

/**
 * Appends one entry inside the caller's transaction, so the entry exists exactly when the
 * action it records does.
 * - SQLite: chained in place. The head row is written in the same statement as the entry or
 *   before it; SQLite's transactions hold the database's write lock from BEGIN IMMEDIATE, so
 *   sequences are gap-free and each entry links to the one before.
 * - PostgreSQL: written pending, and chained right after the commit (seal.ts): no audited
 *   transaction waits for another's.
 */
export async function appendAudit(tx: Tx, clock: Clock, record: AuditRecord): Promise<void> {
  await appendAuditMany(tx, clock, [record]);
}

/**
 * One entry, and on PostgreSQL `alongside` (a data-modifying statement with no result the
 * caller needs: the transition's events) in the same statement, as a CTE of the entry's INSERT:
 * one statement fewer. Returns whether `alongside` ran; on SQLite it did not (the caller runs it
 * next).
 */
export async function appendAuditAlongside(tx: Tx, clock: Clock, record: AuditRecord, alongside: Sql): Promise<boolean> {
  if (!onPostgres(tx)) {
    await appendAudit(tx, clock, record);
    return false;
  }
  await appendPendingPostgres(tx, clock, [record], alongside);
  return true;
}

/**
 * Appends several entries at once, chained in the given order (a batch's GENERATION_CREATED
 * entries). SQLite: two statements however many there are, the head moved by their number
 * first, exactly as for one entry (or one statement for a single entry: appendOneSqlite).
 */
export async function appendAuditMany(tx: Tx, clock: Clock, records: readonly AuditRecord[]): Promise<void> {
  if (records.length === 0) return;
  if (onPostgres(tx)) return appendPendingPostgres(tx, clock, records);
  if (records.length === 1 && (await appendOneSqlite(tx, clock, records[0] as AuditRecord))) return;
  // The update returns the row it wrote (RETURNING): no second read. Its hash is still the
  // previous head's: the entries' INSERT moves it.
  // Raw statements (a Prisma update costs ~3× the CPU of the same SQL; every audited write
  // runs these two). RETURNING: SQLite 3.35+.
  const [moved] = await tx.$queryRaw<Array<{ sequence: number | bigint; hash: string }>>`
    UPDATE "AuditHead" SET "sequence" = "sequence" + ${records.length} WHERE "id" = 1 RETURNING "sequence", "hash"`;
  if (!moved) throw new Error("The audit head row (id 1) is missing: the migrations create it.");
  const head = { sequence: Number(moved.sequence), hash: moved.hash };
  // Millisecond precision: what both databases store, so the hash recomputes exactly.
  const now = clock.now();
  let prevHash = head.hash;
  const entries = records.map((record, index): ChainedEntry => {
    const content: AuditContent = { ...contentOf(record, now), sequence: head.sequence - records.length + 1 + index };
    const hash = entryHash(prevHash, content);
    const entry = { ...content, prevHash, hash };
    prevHash = hash;
    return entry;
  });
  // The INSERT also moves the head's hash to the last entry's (trigger AuditEntry_moves_head,
  // migration 0010): one statement fewer per audited write than an UPDATE of its own.
  await insertRows(
    tx,
    "AuditEntry",
    ENTRY_COLUMNS,
    entries.map((e) => [e.sequence, e.at, e.action, e.actorKeyId, e.actorTeamId, e.clientAddress, e.subjectType, e.subjectId, e.details, e.prevHash, e.hash]),
  );
  const last = entries.at(-1) as ChainedEntry;
  lastHeads.set(databaseOf(tx), { sequence: last.sequence, hash: last.hash });
}

/**
 * SQLite: the head as this process's last append left it, per database. A guess: another
 * process may have appended since, or the transaction that wrote it rolled back.
 */
const lastHeads = new WeakMap<object, { sequence: number; hash: string }>();

/**
 * SQLite, one entry (every audited transition of the worker), in one statement when the head
 * is where this process last left it: the entry is hashed over that head, and the INSERT takes
 * its sequence and previous hash from the head row only if the row still holds both; the entry
 * then moves the head (trigger AuditEntry_advances_head, migration 0013). Otherwise it inserts
 * nothing, and null sends the caller to the two-statement append. The transaction began
 * IMMEDIATE, so nothing else writes between the check and the INSERT: the chain links exactly as
 * when the head moves first. (SQLite has no sha256 to hash the entry in SQL, as PostgreSQL does.)
 */
async function appendOneSqlite(tx: Tx, clock: Clock, record: AuditRecord): Promise<ChainedEntry | null> {
  const database = databaseOf(tx);
  const head = lastHeads.get(database);
  if (!head) return null;
  const content: AuditContent = { ...contentOf(record, clock.now()), sequence: head.sequence + 1 };
  const hash = entryHash(head.hash, content);
  // The hash too: a rolled-back append of this process and another process's may share a sequence.
  const inserted = await tx.$executeRaw`
    INSERT INTO "AuditEntry" (${ENTRY_COLUMN_LIST})
    SELECT "sequence" + 1, ${content.at}, ${content.action}, ${content.actorKeyId}, ${content.actorTeamId}, ${content.clientAddress},
           ${content.subjectType}, ${content.subjectId}, ${content.details}, "hash", ${hash}
      FROM "AuditHead" WHERE "id" = 1 AND "sequence" = ${head.sequence} AND "hash" = ${head.hash}`;
  if (inserted !== 1) {
    lastHeads.delete(database);
    return null;
  }
  lastHeads.set(database, { sequence: content.sequence, hash });
  return { ...content, prevHash: head.hash, hash };
}

/** One database's transactions share its client's engine (a Prisma internal, as _activeProvider is). */
function databaseOf(tx: Tx): object {
  return (tx as unknown as { _engine?: object })._engine ?? tx;
}

/**
 * PostgreSQL: the entries as pending rows, in one statement (with `alongside` as a CTE of it),
 * each with the canonical text its hash will cover after its place in the chain (chain.ts); the
 * transaction is marked so that its commit is followed by a seal (seal.ts).
 */
async function appendPendingPostgres(tx: Tx, clock: Clock, records: readonly AuditRecord[], alongside?: Sql): Promise<void> {
  // A data-modifying CTE runs once, to completion, whether or not anything reads it.
  const also = alongside ? sqltag`WITH alongside AS (${alongside}) ` : empty;
  await tx.$executeRaw`${also}INSERT INTO "AuditPending" (${PENDING_COLUMN_LIST}) VALUES ${pendingRows(clock.now(), records)}`;
  markPendingEntries(tx);
}

/**
 * PostgreSQL: `records` as pending rows, for a statement whose CTE "moved" holds the row they
 * record (one-statement-move.ts): inserted only when it holds one. The statement runs outside
 * a transaction the sealing client sees, so its caller starts the seal after it (sealSoon).
 */
export function pendingWithMovedSql(now: Date, records: readonly AuditRecord[]): Sql {
  return sqltag`INSERT INTO "AuditPending" (${PENDING_COLUMN_LIST}) SELECT "v".* FROM (VALUES ${pendingRows(now, records)}) AS "v" (${PENDING_COLUMN_LIST}), "moved"`;
}

/**
 * The VALUES rows of pending entries, each with the canonical text its hash will cover
 * (chain.ts). Typed, so they read the same in a SELECT's VALUES as in an INSERT's.
 */
function pendingRows(now: Date, records: readonly AuditRecord[]): Sql {
  return join(
    records.map((record) => {
      const content = contentOf(record, now);
      return sqltag`(${content.at}::timestamp(3), ${content.action}, ${content.actorKeyId}::text, ${content.actorTeamId}::text, ${content.clientAddress}::text, ${content.subjectType}::text, ${content.subjectId}::text, ${content.details}, ${canonicalTail(content)})`;
    }),
  );
}

function onPostgres(tx: Tx): boolean {
  return (tx as unknown as { _activeProvider?: string })._activeProvider === "postgresql";
}

/** What an entry says, but its place in the chain. Millisecond precision: what both databases store. */
function contentOf(record: AuditRecord, now: Date): Omit<AuditContent, "sequence"> {
  return {
    at: new Date((record.at ?? now).getTime()),
    action: record.action,
    actorKeyId: record.actorKeyId ?? null,
    actorTeamId: record.actorTeamId ?? null,
    clientAddress: record.clientAddress ?? null,
    subjectType: record.subjectType ?? null,
    subjectId: record.subjectId ?? null,
    details: JSON.stringify(record.details ?? {}),
  };
}

/** Appends in a transaction of its own. */
export function appendAuditNow(db: Db, clock: Clock, record: AuditRecord): Promise<void> {
  return db.$transaction((tx) => appendAudit(tx, clock, record));
}

/** Reads the whole chain in pages and checks it; names the first broken entry. */
export async function verifyAuditTrail(db: Db) {
  // Every entry committed so far is in the chain (PostgreSQL chains after the commit: seal.ts).
  await sealAudit(db);
  const entries: ChainedEntry[] = [];
  for (let after = 0; ; ) {
    const page = await db.auditEntry.findMany({ where: { sequence: { gt: after } }, orderBy: { sequence: "asc" }, take: 1_000 });
    entries.push(...page);
    if (page.length < 1_000) break;
    after = (page.at(-1) as ChainedEntry).sequence;
  }
  const head = await db.auditHead.findUnique({ where: { id: 1 } });
  const verdict = verifyChain(entries);
  // Deleting the newest entries leaves no gap in the chain itself; the head remembers.
  const last = entries.at(-1);
  const headMatches = head !== null && head.sequence === (last?.sequence ?? 0) && (last === undefined || head.hash === last.hash);
  return { ...verdict, headMatches };
}
