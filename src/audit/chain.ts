import { createHash } from "node:crypto";

/** What an audit entry says; the hash covers all of it and the previous entry's hash. */
export interface AuditContent {
  sequence: number;
  at: Date;
  action: string;
  actorKeyId: string | null;
  actorTeamId: string | null;
  clientAddress: string | null;
  subjectType: string | null;
  subjectId: string | null;
  /** JSON text of the relevant amounts and ids. */
  details: string;
}

export interface ChainedEntry extends AuditContent {
  prevHash: string;
  hash: string;
}

/** The hash before the first entry. */
export const GENESIS_HASH = "0".repeat(64);

/**
 * sha256 over the previous hash and a canonical encoding of the content: a fixed field
 * order in a JSON array, so the same content always hashes the same on every database.
 */
export function entryHash(prevHash: string, content: AuditContent): string {
  // JSON.stringify([prevHash, sequence, ...rest]): a hex hash and an integer need no escaping.
  const canonical = `["${prevHash}",${content.sequence},${canonicalTail(content)}`;
  return createHash("sha256").update(canonical).digest("hex");
}

/**
 * The canonical array after the previous hash and the sequence, closing bracket included
 * (PostgreSQL's one-statement append in log.ts prefixes the head's hash and sequence in SQL).
 */
export function canonicalTail(content: Omit<AuditContent, "sequence">): string {
  return JSON.stringify([
    content.at.toISOString(),
    content.action,
    content.actorKeyId,
    content.actorTeamId,
    content.clientAddress,
    content.subjectType,
    content.subjectId,
    content.details,
  ]).slice(1);
}

export type ChainProblem =
  | { kind: "EDITED"; sequence: number }
  | { kind: "BROKEN_LINK"; sequence: number }
  | { kind: "MISSING"; sequence: number };

export interface ChainVerdict {
  entries: number;
  /** The first entry where the chain does not hold; null when it is intact. */
  firstProblem: ChainProblem | null;
}

/**
 * Walks entries in sequence order. An edited entry no longer matches its own hash; a
 * deleted one leaves a gap in the sequence and breaks the next entry's link. (Deleting the
 * newest entries leaves no trace in the chain itself: compare `entries` and the last hash
 * with a copy kept elsewhere for that.)
 */
export function verifyChain(entries: Iterable<ChainedEntry>): ChainVerdict {
  let expectedPrev = GENESIS_HASH;
  let expectedSequence = 1;
  let count = 0;
  for (const entry of entries) {
    count += 1;
    if (entry.sequence !== expectedSequence) return { entries: count, firstProblem: { kind: "MISSING", sequence: expectedSequence } };
    if (entry.prevHash !== expectedPrev) return { entries: count, firstProblem: { kind: "BROKEN_LINK", sequence: entry.sequence } };
    if (entryHash(entry.prevHash, entry) !== entry.hash) return { entries: count, firstProblem: { kind: "EDITED", sequence: entry.sequence } };
    expectedPrev = entry.hash;
    expectedSequence += 1;
  }
  return { entries: count, firstProblem: null };
}
