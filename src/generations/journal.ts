import { type AuditActor, auditTransition, isAuditedTransition } from "../audit/generations";
import { closeHold, mayCloseHold } from "../budget/ledger";
import type { Clock } from "../clock";
import type { Db, Tx } from "../db/client";
import type { GenerationErrorCode } from "../error-codes";
import type { UpstreamCall } from "../segmind/types";
import { lockEventSequence } from "./event-order";
import type { GenerationNotifier } from "./notifier";
import type { GenerationEventType, GenerationStatus } from "./status";
import type { GenerationRow } from "./types";

/** A generation's errorCode is one of the listed codes (src/error-codes.ts), so the schema's enum can show it. */
type GenerationPatch = Partial<Omit<GenerationRow, "id" | "status" | "createdAt" | "updatedAt" | "errorCode">> & {
  errorCode?: GenerationErrorCode | null;
};

export interface EventDetails {
  message?: string;
  errorCode?: string;
  attempt?: number;
  /** Upstream exchanges that led to this transition, recorded in the same transaction. */
  calls?: readonly UpstreamCall[];
  /** The client behind the transition (a cancel), for the audit trail; default the row's owner. */
  actor?: AuditActor;
}

/**
 * The only writer of generation state. Every status change is one guarded update plus one
 * event row, in one transaction: the guard (`from`) makes a transition happen at most once
 * even when two gateway processes look at the same row.
 */
export class GenerationJournal {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly options: { provider: "sqlite" | "postgresql"; notifier?: GenerationNotifier },
  ) {}

  /** Runs `write` in a transaction that may add events, then wakes subscribers once it committed. */
  private async writeEvents<T>(id: string, write: (tx: Tx) => Promise<T>): Promise<T> {
    const result = await this.db.$transaction(async (tx) => {
      await lockEventSequence(tx, this.options.provider);
      return write(tx);
    });
    this.options.notifier?.notify(id);
    return result;
  }

  /**
   * Moves `id` from `from` to `to`; false when the row was no longer in `from` (another
   * process moved it). Write-first: SQLite fails a deferred transaction that reads and
   * then writes after another process wrote, instead of waiting for it.
   */
  async transition(
    id: string,
    from: GenerationStatus,
    to: GenerationStatus,
    patch: GenerationPatch = {},
    details: EventDetails = {},
  ): Promise<boolean> {
    const now = this.clock.now();
    return this.writeEvents(id, async (tx) => {
      const { count } = await tx.generation.updateMany({
        where: { id, status: from },
        data: { ...patch, status: to, updatedAt: now },
      });
      if (count === 0) return false;
      if (details.calls?.length) {
        await tx.generationEvent.createMany({ data: callEvents(id, details.calls, details.attempt, now) });
      }
      await tx.generationEvent.create({
        data: {
          generationId: id,
          type: "STATUS_CHANGED" satisfies GenerationEventType,
          fromStatus: from,
          toStatus: to,
          message: details.message ?? null,
          errorCode: details.errorCode ?? null,
          attempt: details.attempt ?? null,
          createdAt: now,
        },
      });
      // A final status, or a reported cost, settles or releases the budget hold (src/budget/ledger.ts).
      if (mayCloseHold(to, patch)) await closeHold(tx, id, now);
      // Submitted, canceled, settled: audited in this same transaction (src/audit/generations.ts).
      if (isAuditedTransition(from, to)) {
        const row = await tx.generation.findUniqueOrThrow({ where: { id } });
        await auditTransition(tx, now, row, from, to, details.actor ?? null, details.attempt);
      }
      return true;
    });
  }

  /** Writes fields without a status change (e.g. bookkeeping), with no event. */
  async update(id: string, patch: GenerationPatch): Promise<void> {
    await this.db.generation.update({ where: { id }, data: { ...patch, updatedAt: this.clock.now() } });
  }

  async recordCalls(id: string, calls: readonly UpstreamCall[], attempt?: number): Promise<void> {
    if (calls.length === 0) return;
    const now = this.clock.now();
    await this.writeEvents(id, (tx) => tx.generationEvent.createMany({ data: callEvents(id, calls, attempt, now) }));
  }

  async recordEvent(id: string, type: GenerationEventType, details: EventDetails): Promise<void> {
    const event = {
      generationId: id,
      type,
      message: details.message ?? null,
      errorCode: details.errorCode ?? null,
      attempt: details.attempt ?? null,
      createdAt: this.clock.now(),
    };
    await this.writeEvents(id, (tx) => tx.generationEvent.create({ data: event }));
  }
}

/** One row per exchange, in order; createMany keeps it to one statement. */
function callEvents(id: string, calls: readonly UpstreamCall[], attempt: number | undefined, now: Date) {
  return calls.map((call) => ({
    generationId: id,
    type: "UPSTREAM_CALL" satisfies GenerationEventType,
    method: call.method,
    path: call.path,
    httpStatus: call.httpStatus,
    durationMs: Math.round(call.durationMs),
    attempt: attempt ?? null,
    errorCode: call.errorKind ?? null,
    createdAt: now,
  }));
}
