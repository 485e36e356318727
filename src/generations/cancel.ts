import { type AuditActor, auditCancelRequested, ownerOf } from "../audit/generations";
import type { Clock } from "../clock";
import type { Db } from "../db/client";
import type { GenerationJournal } from "./journal";
import { type GenerationStatus, TERMINAL_STATUSES } from "./status";
import type { GenerationRow } from "./types";

/**
 * Ending a generation early: by the client (cancelGeneration: CANCELED) or by its deadline
 * (EXPIRED). Segmind has no cancel, so "early" means the gateway stops working on it; what
 * Segmind may still bill is written into the record.
 *
 * By status:
 * - QUEUED: ends at once; nothing was accepted upstream, nothing is billed.
 * - SUBMITTING: a billed submit is on the wire and its answer must be recorded, so the end is
 *   only requested (`cancelRequestedAt`; a deadline needs nothing stored). The worker settles
 *   it when Segmind answers: accepted -> SUBMITTED -> ended with the upstream id recorded;
 *   refused -> QUEUED -> ended unbilled.
 * - SUBMITTED, RUNNING: ends at once and polling stops; Segmind runs the job to the end and
 *   bills it unless it fails.
 * - STORING: ends at once; the job is finished and billed, the gateway stops copying it (a copy
 *   that completes anyway is removed) and the output stays at upstreamOutputUrl until Segmind
 *   deletes it.
 * Every status change is the journal's guarded transition, so a race with the worker is
 * settled by whichever write lands first on the status both saw.
 */
export type EarlyEnd = "CANCELED" | "EXPIRED";

export const CANCELED_CODE = "CANCELED";
export const DEADLINE_CODE = "DEADLINE_EXCEEDED";

export class GenerationNotFoundError extends Error {
  override readonly name = "GenerationNotFoundError";
  readonly code = "NOT_FOUND";
  constructor(readonly generationId: string) {
    super(`No generation has the id ${generationId}`);
  }
}

export class GenerationAlreadyFinalError extends Error {
  override readonly name = "GenerationAlreadyFinalError";
  readonly code = "ALREADY_FINAL";
  readonly status: GenerationStatus;
  constructor(readonly generation: GenerationRow) {
    super(`The generation is already ${generation.status}; there is nothing left to cancel`);
    this.status = generation.status as GenerationStatus;
  }
}

/** Why the worker must stop working on `row` now, if it must. */
export function earlyEndFor(row: GenerationRow, now: Date): EarlyEnd | null {
  if (TERMINAL_STATUSES.has(row.status as GenerationStatus)) return null;
  if (row.cancelRequestedAt) return "CANCELED";
  if (row.deadlineAt && row.deadlineAt.getTime() <= now.getTime()) return "EXPIRED";
  return null;
}

/** What Segmind has billed or will bill for a row at `status`, in words for the record. */
export function billingNote(row: GenerationRow, status: GenerationStatus = row.status as GenerationStatus): string {
  const job = row.upstreamRequestId ? `job ${row.upstreamRequestId}` : "the job";
  switch (status) {
    case "QUEUED":
      return "Nothing was billed: Segmind never accepted a submit for it.";
    case "SUBMITTING":
      return "A submit was on the wire; Segmind may have accepted and billed it.";
    case "SUBMITTED":
    case "RUNNING":
      return `Segmind had already accepted ${job}; it offers no cancel, so the job runs to the end and is billed unless it fails. The gateway stopped polling it.`;
    case "STORING": {
      const cost = row.costUsd != null ? ` ($${row.costUsd})` : "";
      return row.upstreamOutputUrl
        ? `Segmind had finished and billed ${job}${cost}; the gateway stopped copying it. The output stays at upstreamOutputUrl until Segmind deletes it.`
        : `Segmind had finished and billed ${job}${cost}; v1 hands the video over once, and the gateway discarded it.`;
    }
    default:
      return "";
  }
}

/**
 * Moves `row` (as read, in `row.status`) to CANCELED or EXPIRED; false when the row was no
 * longer in that status. Not for SUBMITTING (see the module comment).
 */
export async function endEarly(
  deps: { journal: GenerationJournal; clock: Clock },
  row: GenerationRow,
  end: EarlyEnd,
  /** The client who canceled (audit trail); omitted when the worker ends it on their behalf. */
  actor?: AuditActor,
): Promise<boolean> {
  const from = row.status as GenerationStatus;
  const now = deps.clock.now();
  const why =
    end === "CANCELED"
      ? `Canceled by the client while ${from}.`
      : `Its deadline (${row.deadlineAt?.toISOString()}) passed while ${from}.`;
  const message = `${why} ${billingNote(row, from)}`;
  const errorCode = end === "CANCELED" ? CANCELED_CODE : DEADLINE_CODE;
  const ended = await deps.journal.transition(
    row.id,
    from,
    end,
    {
      errorCode,
      errorMessage: message,
      completedAt: now,
      nextAttemptAt: null,
      ...(end === "CANCELED" && !row.cancelRequestedAt ? { cancelRequestedAt: now } : {}),
    },
    { errorCode, message, actor },
  );
  return ended !== null;
}

export interface CancelResult {
  generation: GenerationRow;
  /** true while a submit is on the wire: the cancel completes when Segmind answers. */
  pending: boolean;
}

/** cancelGeneration: ends the row now, or asks the worker to once its submit has an answer. */
export async function cancelGeneration(
  deps: { db: Db; journal: GenerationJournal; clock: Clock },
  id: string,
  /** Who asked, for the audit trail (GENERATION_CANCELED). */
  actor?: AuditActor,
): Promise<CancelResult> {
  // Each turn either ends the row or finds it moved on; a few turns settle any race.
  for (let turn = 0; turn < 5; turn += 1) {
    const row = await deps.db.generation.findUnique({ where: { id } });
    if (!row) throw new GenerationNotFoundError(id);
    const status = row.status as GenerationStatus;
    if (TERMINAL_STATUSES.has(status)) throw new GenerationAlreadyFinalError(row);

    if (status === "SUBMITTING") {
      if (row.cancelRequestedAt) return { generation: row, pending: true };
      const now = deps.clock.now();
      // The request is the client's cancel: audited with it, in one transaction.
      const count = await deps.db.$transaction(async (tx) => {
        const { count } = await tx.generation.updateMany({
          where: { id, status: "SUBMITTING", cancelRequestedAt: null },
          data: { cancelRequestedAt: now },
        });
        if (count > 0) await auditCancelRequested(tx, now, row, actor ?? ownerOf(row));
        return count;
      });
      if (count === 0) continue;
      await deps.journal.recordEvent(id, "NOTE", {
        message: "Cancel requested while a submit was on the wire; it is settled when Segmind answers.",
      });
      return { generation: { ...row, cancelRequestedAt: now }, pending: true };
    }

    if (await endEarly(deps, row, "CANCELED", actor ?? ownerOf(row))) {
      return { generation: await deps.db.generation.findUniqueOrThrow({ where: { id } }), pending: false };
    }
  }
  throw new Error(`cancelGeneration(${id}) kept racing with the worker`);
}
