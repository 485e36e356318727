import { roundUsd } from "../money";
import type { Clock } from "../clock";
import type { GenerationStatus } from "../generations/status";
import type { GenerationRow } from "../generations/types";
import type { Tx } from "../db/client";
import { parseTags } from "../generations/labels";
import type { Sql } from "@prisma/client/runtime/client";
import { type AuditRecord, appendAudit, appendAuditAlongside, appendAuditMany } from "./log";

/**
 * What a generation's life writes to the audit trail. Each entry is appended inside the
 * transaction that makes the change, so it exists exactly when the change does:
 *
 * - GENERATION_CREATED: in createGeneration's transaction, by the requesting key/team from
 *   its client address.
 * - GENERATION_SUBMITTED: when Segmind accepted the submit (SUBMITTING -> SUBMITTED, or
 *   -> STORING on v1), in the journal's transition.
 * - GENERATION_CANCELED: when a client's cancel takes effect: the transition to CANCELED, or,
 *   for a row mid-submit, the write that records the request (details.pending: true). By the
 *   key that asked, from its address.
 * - GENERATION_SETTLED: the transition to any final status (SUCCEEDED, FAILED, CANCELED,
 *   EXPIRED), once per generation, with what Segmind reported charging and the budget
 *   ledger's side (held, charged, released; src/budget/holds.ts closes the hold in the same
 *   transaction and writes no entry of its own).
 *
 * The worker acts on the requester's behalf: entries it causes name the generation's own
 * key and team, and no client address. An entry's time is the action's own (the row's
 * createdAt or updatedAt of that write), not a second reading of the clock.
 */

/** An entry's time is its action's: the same instant the record carries (createdAt, updatedAt). */
function clockAt(at: Date): Clock {
  return { now: () => at };
}

/** Who did it, as the trail records it. */
export interface AuditActor {
  keyId: string | null;
  teamId: string | null;
  clientAddress: string | null;
}

/** The generation's own key and team: the worker acts on their behalf. */
export function ownerOf(row: Pick<GenerationRow, "apiKeyId" | "teamId">): AuditActor {
  return { keyId: row.apiKeyId, teamId: row.teamId, clientAddress: null };
}

function subject(row: GenerationRow, actor: AuditActor) {
  return {
    actorKeyId: actor.keyId,
    actorTeamId: actor.teamId,
    clientAddress: actor.clientAddress,
    subjectType: "Generation",
    subjectId: row.id,
  };
}

export function auditGenerationCreated(tx: Tx, at: Date, row: GenerationRow, actor: AuditActor) {
  return auditGenerationsCreated(tx, at, [row], actor);
}

/**
 * One GENERATION_CREATED entry per generation, appended together (appendAuditMany): a
 * batch's items in their order, in the batch's transaction. The client's tags and the batch
 * (id, index) are part of what was asked for; metadata is not copied into the trail.
 */
export function auditGenerationsCreated(tx: Tx, at: Date, rows: readonly GenerationRow[], actor: AuditActor) {
  return auditGenerationsCreatedBy(tx, rows.map((row) => ({ at, row, actor })));
}

/**
 * auditGenerationsCreated for generations of several requests in one transaction (a team's
 * group commit): each entry by its own requester, at its own request's time, in this order.
 */
export function auditGenerationsCreatedBy(tx: Tx, created: ReadonlyArray<{ at: Date; row: GenerationRow; actor: AuditActor }>) {
  return appendAuditMany(
    tx,
    clockAt(created[0]?.at ?? new Date(0)),
    created.map(({ at, row, actor }) => ({
      action: "GENERATION_CREATED" as const,
      at,
      ...subject(row, actor),
      details: {
        generationId: row.id,
        teamId: row.teamId,
        apiKeyId: row.apiKeyId,
        estimatedCostUsd: row.estimatedCostUsd,
        seed: row.seed,
        seedSource: row.seedSource,
        duration: row.duration,
        resolution: row.resolution,
        upstream: row.upstream,
        upstreamMode: row.upstreamMode,
        modelSlug: row.modelSlug,
        idempotencyKey: row.idempotencyKey,
        derivedFromId: row.derivedFromId,
        gatewayVersion: row.gatewayVersion,
        tags: parseTags(row.tags),
        ...(row.batchId ? { batchId: row.batchId, batchIndex: row.batchIndex } : {}),
      },
    })),
  );
}

export function auditCancelRequested(tx: Tx, at: Date, row: GenerationRow, actor: AuditActor) {
  return appendAudit(tx, clockAt(at), {
    action: "GENERATION_CANCELED",
    ...subject(row, actor),
    details: { generationId: row.id, fromStatus: row.status, pending: true, estimatedCostUsd: row.estimatedCostUsd },
  });
}

const FINAL: ReadonlySet<GenerationStatus> = new Set(["SUCCEEDED", "FAILED", "CANCELED", "EXPIRED"]);

/** Whether a transition writes to the trail (so the journal reads the row only then). */
export function isAuditedTransition(from: GenerationStatus, to: GenerationStatus): boolean {
  return (from === "SUBMITTING" && (to === "SUBMITTED" || to === "STORING")) || FINAL.has(to);
}

/**
 * Appends the entries of a transition (transitionAuditRecords), reading the ledger for a final
 * status when the caller has not.
 *
 * `alongside`: a statement the transaction runs next (the transition's events). On PostgreSQL it
 * runs in the same statement as the last entry's append: one statement fewer. Returns whether
 * it ran (false on SQLite, or with nothing to append: run it then).
 */
export async function auditTransition(
  tx: Tx,
  at: Date,
  row: GenerationRow,
  from: GenerationStatus,
  to: GenerationStatus,
  requester: AuditActor | null,
  attempt: number | undefined,
  /** The generation's ledger entries as this transaction left them, when the caller has read them. */
  ledgerEntries?: ReadonlyArray<{ kind: string; amountUsd: number }>,
  alongside?: Sql,
): Promise<boolean> {
  // The budget ledger's side of a final status (src/budget/holds.ts), closed earlier in this
  // same transaction or when the cost was reported: what was held, charged (SETTLE) or released.
  const ledger =
    !FINAL.has(to) || !row.teamId ? [] : (ledgerEntries ?? (await tx.ledgerEntry.findMany({ where: { generationId: row.id } })));
  const records = transitionAuditRecords(row, from, to, requester, attempt, ledger);
  const clock = clockAt(at);
  let ran = false;
  for (const [index, record] of records.entries()) {
    if (alongside && index === records.length - 1) ran = await appendAuditAlongside(tx, clock, record, alongside);
    else await appendAudit(tx, clock, record);
  }
  return ran;
}

/**
 * The entries a journal transition writes, given the row as it is after the update and, for a
 * final status, the generation's ledger entries (none without a team). `requester` is the
 * client behind the transition, when there is one (a cancel); otherwise the owner.
 */
export function transitionAuditRecords(
  row: GenerationRow,
  from: GenerationStatus,
  to: GenerationStatus,
  requester: AuditActor | null,
  attempt: number | undefined,
  ledger: ReadonlyArray<{ kind: string; amountUsd: number }>,
): AuditRecord[] {
  const owner = ownerOf(row);
  const records: AuditRecord[] = [];
  if (from === "SUBMITTING" && (to === "SUBMITTED" || to === "STORING")) {
    records.push({
      action: "GENERATION_SUBMITTED",
      ...subject(row, owner),
      details: {
        generationId: row.id,
        upstreamRequestId: row.upstreamRequestId,
        upstreamMode: row.upstreamMode,
        attempt: attempt ?? row.attempts,
        seed: row.seed,
        estimatedCostUsd: row.estimatedCostUsd,
        // v1 answers with the video: cost and seed are known at submit.
        ...(to === "STORING" ? { costUsd: row.costUsd, upstreamSeed: row.upstreamSeed } : {}),
      },
    });
  }
  if (to === "CANCELED" && requester !== null) {
    records.push({
      action: "GENERATION_CANCELED",
      ...subject(row, requester),
      details: {
        generationId: row.id,
        fromStatus: from,
        pending: false,
        upstreamRequestId: row.upstreamRequestId,
        estimatedCostUsd: row.estimatedCostUsd,
        costUsd: row.costUsd,
      },
    });
  }
  if (FINAL.has(to)) {
    const sum = (kind: string) => {
      const entries = ledger.filter((entry) => entry.kind === kind);
      return entries.length ? roundUsd(entries.reduce((total, entry) => total + entry.amountUsd, 0)) : null;
    };
    records.push({
      action: "GENERATION_SETTLED",
      ...subject(row, owner),
      details: {
        generationId: row.id,
        outcome: to,
        fromStatus: from,
        errorCode: row.errorCode,
        upstreamRequestId: row.upstreamRequestId,
        estimatedCostUsd: row.estimatedCostUsd,
        costUsd: row.costUsd,
        seed: row.seed,
        upstreamSeed: row.upstreamSeed,
        videoSha256: row.videoSha256,
        videoBytes: row.videoBytes,
        heldUsd: sum("HOLD"),
        chargedUsd: sum("SETTLE"),
        releasedUsd: sum("RELEASE"),
      },
    });
  }
  return records;
}
