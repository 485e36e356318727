import { type AuditActor, auditTransition, isAuditedTransition } from "../audit/generations";
import { sealSoon, sealWithoutWaiting } from "../audit/seal";
import { type LedgerAmounts, closeHold, holdOutcome, ledgerOf, mayCloseHold } from "../budget/holds";
import type { PlacedHolds } from "../budget/placed-holds";
import { type Sql, join } from "@prisma/client/runtime/client";
import type { Clock } from "../clock";
import type { Db, Tx } from "../db/client";
import { transact } from "../db/raw-transactions";
import type { GenerationErrorCode } from "../error-codes";
import type { GatewayMetrics } from "../observability/metrics";
import type { UpstreamCall } from "../segmind/types";
import type { BudgetAlerts } from "../budget/thresholds";
import type { LowBalanceAlerts } from "../credits/low-balance";
import type { WebhookOutbox } from "../webhooks/outbox";
import type { GenerationNotifier } from "./notifier";
import { type EventRow, eventRowsInsertSql, insertEventRows } from "./event-rows";
import { moveInOneStatement, updateIfIn } from "./one-statement-move";
import { type PlanContext, type SettlementFacts, auditedAhead, checksLowBalance, raisesBudgetAlert, settlementAhead } from "./one-statement-plans";
import type { RowSnapshots } from "./row-snapshots";
import { type GenerationEventType, type GenerationStatus, TERMINAL_STATUSES } from "./status";
import type { GenerationRow } from "./types";

/** A generation's errorCode is one of the listed codes (src/error-codes.ts), so the schema's enum can show it. */
export type GenerationPatch = Partial<Omit<GenerationRow, "id" | "status" | "createdAt" | "updatedAt" | "errorCode">> & {
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
    private readonly options: {
      provider: "sqlite" | "postgresql";
      notifier?: GenerationNotifier;
      /** Told about each committed transition (src/observability/metrics.ts). */
      metrics?: Pick<GatewayMetrics, "generationTransitioned">;
      /** The webhook outbox: deliveries of a final status are written in its transition. */
      webhooks?: Pick<WebhookOutbox, "generationFinished" | "scheduled" | "nothingFinishedFor">;
      /** Rows this process wrote, for the worker's next step (row-snapshots.ts). */
      snapshots?: Pick<RowSnapshots, "version" | "keep" | "forget">;
      /** HOLDs this process placed: a transition out of a status before STORING reads no ledger (placed-holds.ts). */
      placedHolds?: Pick<PlacedHolds, "ledgerLeaving" | "forget">;
      /** budget.threshold (a settlement above its hold) and credits.low (a reported balance), in the transition. */
      alerts?: { budget?: Pick<BudgetAlerts, "afterSpend">; lowBalance?: Pick<LowBalanceAlerts, "observe" | "enabled"> };
    },
  ) {
    const { provider, placedHolds, webhooks, alerts } = options;
    this.plans = { provider, placedHolds, webhooks, alerts, closedLedger: (id) => this.closedLedgers.get(id) };
  }

  /** What one-statement-plans.ts decides by. */
  private readonly plans: PlanContext;

  /** Runs `write` in a transaction that may add events, then wakes subscribers once it committed. */
  private async writeEvents<T>(id: string, write: (tx: Tx) => Promise<T>): Promise<T | false> {
    let result: T;
    try {
      // Subscribers hear of the commit at once; the audit entries it wrote are chained meanwhile (src/audit/seal.ts).
      // On the driver adapter while it writes raw SQL only (src/db/raw-transactions.ts).
      result = await transact(this.db, (tx) => {
        sealWithoutWaiting(tx);
        return write(tx);
      });
    } catch (error) {
      if (error instanceof TransitionWithdrawn) return false;
      throw error;
    }
    this.options.notifier?.notify(id);
    return result;
  }

  /**
   * Claims a QUEUED row for a submit (QUEUED -> SUBMITTING) unless `maxInFlight` generations
   * (SUBMITTING to STORING, every instance's) are already in flight: the claimed row, or null when the row moved
   * or the cap is reached. The count is taken after the row's own write, under one lock on
   * PostgreSQL (SQLite has one writer at a time), so two claims cannot both see room for one.
   */
  claimForSubmit(id: string, patch: GenerationPatch, details: EventDetails, maxInFlight: number): Promise<GenerationRow | null> {
    const unless =
      maxInFlight > 0
        ? async (tx: Tx) => {
            if (this.options.provider === "postgresql") await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${CLAIM_LOCK})`);
            // Raw, so the transaction stays on the driver adapter (src/db/raw-transactions.ts).
            const [row] = await tx.$queryRaw<Array<{ n: number | bigint }>>`SELECT COUNT(*) AS "n" FROM "Generation" WHERE "status" IN (${join([...IN_FLIGHT_STATUSES])})`;
            return Number(row?.n ?? 0) > maxInFlight;
          }
        : undefined;
    return this.transition(id, "QUEUED", "SUBMITTING", patch, details, { unless });
  }

  /**
   * Moves `id` from `from` to `to` and returns the row as the update left it (one UPDATE ...
   * RETURNING: what closes the hold, audits and sends webhooks reads no row again); null when
   * the row was no longer in `from` (another process moved it). Write-first: SQLite fails a
   * deferred transaction that reads and then writes after another process wrote, instead of
   * waiting for it.
   */
  async transition(
    id: string,
    from: GenerationStatus,
    to: GenerationStatus,
    patch: GenerationPatch = {},
    details: EventDetails = {},
    options: TransitionOptions = {},
  ): Promise<GenerationRow | null> {
    const now = this.clock.now();
    const since = this.options.snapshots?.version(id);
    let closedHold: Awaited<ReturnType<typeof closeHold>> = null;
    let ledger: LedgerAmounts | undefined;
    let deliveries: string[] = [];
    // Events last, in one statement, so their sequence values are taken just before the
    // commit: the event feed waits for a value handed out but not yet visible.
    const events = [...(details.calls?.length ? callEvents(id, details.calls, details.attempt, now) : []), statusEvent(id, from, to, details, now)];
    const data = { ...patch, status: to, updatedAt: now };
    const bare =
      this.options.provider === "postgresql" &&
      !options.unless &&
      !isAuditedTransition(from, to) &&
      !mayCloseHold(to, patch) &&
      !TERMINAL_STATUSES.has(to) &&
      patch.remainingCreditsUsd == null;
    // A result's settlement known before anything is written: with the row's move, no transaction.
    const ahead = bare ? null : settlementAhead(this.plans, id, from, to, patch, options, now);
    // Nothing but the row and its events (and that settlement): one statement on PostgreSQL (one-statement-move.ts).
    const oneStatement = bare || ahead ? { withMoved: ahead?.insertFromMoved } : null;
    // An audited transition with nothing to write but the row, its events and its audit entries: one statement too, when it can be.
    const audited = oneStatement ? null : auditedAhead(this.plans, id, from, to, data, details, options, now);
    let moved: GenerationRow | false | null = oneStatement
      ? await this.moveBare(id, from, data, events, oneStatement)
      : audited
        ? await this.moveBare(id, from, data, events, audited)
        : false;
    if (moved && audited) {
      ledger = audited.ledger && [...audited.ledger];
      sealSoon(this.db);
    }
    // Otherwise (or when that move's guard did not hold, or the row moved on) the transaction, which sees which.
    if (!oneStatement && !moved) moved = await this.writeEvents(id, async (tx) => {
      deliveries = [];
      closedHold = null;
      ledger = undefined;
      const row = await updateIfIn(tx, id, from, data);
      if (!row) return null;
      if (options.unless && (await options.unless(tx))) throw new TransitionWithdrawn();
      const final = TERMINAL_STATUSES.has(to);
      const audited = isAuditedTransition(from, to);
      // The ledger, read once: closing the hold and the GENERATION_SETTLED entry both need it. A
      // hold this process saw closed needs no read: its entries never change again; nor does one
      // it placed, on the way out of a status before STORING (placed-holds.ts).
      const closed = this.closedLedgers.get(id);
      ledger = closed ? [...closed] : this.options.placedHolds?.ledgerLeaving(id, from);
      if (!ledger && row.teamId && (mayCloseHold(to, patch) || (audited && final))) ledger = await ledgerOf(tx, id);
      // On PostgreSQL the events go in the transaction's last statement: the settlement's, whose
      // lock on the team's running totals is then held for the COMMIT alone, when no alert query
      // follows it; else the audit entry's (a pending row: src/audit/seal.ts).
      const eventsSql = eventRowsInsertSql(events);
      const pgEvents = this.options.provider === "postgresql" ? eventsSql : undefined;
      const besideSettlement =
        pgEvents && !audited && !checksLowBalance(this.options.alerts, patch)
          ? (outcome: SettlementFacts) => (raisesBudgetAlert(this.options.alerts, outcome) ? undefined : pgEvents)
          : undefined;
      // A final status, or a reported cost, settles or releases the budget hold (src/budget/ledger.ts).
      if (ledger && mayCloseHold(to, patch)) closedHold = await closeHold(tx, row, now, ledger, besideSettlement);
      // Settled above its hold: spending grew, and may cross a budget.threshold (src/budget/thresholds.ts).
      const settled = closedHold as Awaited<ReturnType<typeof closeHold>>;
      if (settled && raisesBudgetAlert(this.options.alerts, settled) && this.options.alerts?.budget) {
        deliveries.push(...(await this.options.alerts.budget.afterSpend(tx, { teamId: settled.teamId, apiKeyId: settled.apiKeyId, now, generationId: id })));
      }
      // Segmind reported the balance with the result: credits.low (src/credits/low-balance.ts).
      if (patch.remainingCreditsUsd != null && this.options.alerts?.lowBalance) {
        deliveries.push(...(await this.options.alerts.lowBalance.observe(tx, patch.remainingCreditsUsd, now, "GENERATION_RESULT")));
      }
      // Webhooks of the final status (src/webhooks/outbox.ts): written with the change, so a
      // crash after the commit loses none; sent once it has committed.
      if (final && this.options.webhooks) deliveries.push(...(await this.options.webhooks.generationFinished(tx, row, now)));
      // Submitted, canceled, settled: audited in this same transaction (src/audit/generations.ts;
      // on PostgreSQL with the events in the entry's statement, and chained after the commit).
      const eventsWritten =
        settled?.alongsideRan === true ||
        (audited && (await auditTransition(tx, now, row, from, to, details.actor ?? null, details.attempt, ledger, pgEvents)));
      if (!eventsWritten) await tx.$executeRaw(eventsSql);
      return row;
    });
    if (moved && ahead && moved.teamId) {
      closedHold = { ...ahead.outcome, teamId: moved.teamId, apiKeyId: moved.apiKeyId, alongsideRan: true };
      ledger = [...ahead.ledger, { kind: ahead.outcome.kind, amountUsd: ahead.outcome.amountUsd }];
    }
    // Counted once it committed: a rolled-back transition counts nothing.
    if (moved) {
      // The row as written is the next step's, unless someone else wrote it since we looked.
      if (since !== undefined) this.options.snapshots?.keep(id, moved, since, now.getTime());
      this.rememberClosedLedger(id, TERMINAL_STATUSES.has(to) ? undefined : ledger);
      // From STORING on, the ledger is read (or known closed): the placed hold is no use any more.
      if (to === "STORING" || TERMINAL_STATUSES.has(to)) this.options.placedHolds?.forget(id);
      this.options.webhooks?.scheduled(deliveries);
      this.options.metrics?.generationTransitioned(
        {
          to,
          errorCode: patch.errorCode ?? null,
          closedHold,
          finalRow: TERMINAL_STATUSES.has(to) ? moved : null,
          remainingCreditsUsd: patch.remainingCreditsUsd ?? null,
        },
        holdOutcome,
      );
    }
    return moved || null;
  }

  /** The row and its events in one statement (PostgreSQL), subscribers woken once it is written. */
  private async moveBare(id: string, from: GenerationStatus, data: Record<string, unknown>, events: EventRow[], also: { withMoved?: Sql; guard?: Sql }): Promise<GenerationRow | false> {
    const row = await moveInOneStatement(this.db, id, from, data, events, also);
    if (!row) return false;
    this.options.notifier?.notify(id);
    return row;
  }

  /**
   * A generation's ledger once its hold is closed (SETTLE or RELEASE written): closeHold never
   * writes for it again, so the final transition's GENERATION_SETTLED entry (usually the next
   * transition, in the same step as the one that settled on the way into STORING) sums these
   * instead of reading them. Forgotten at the final status; at most MAX_CLOSED_LEDGERS kept.
   */
  private readonly closedLedgers = new Map<string, LedgerAmounts>();

  private rememberClosedLedger(id: string, ledger: LedgerAmounts | undefined): void {
    if (!ledger?.some((entry) => entry.kind !== "HOLD")) {
      this.closedLedgers.delete(id);
      return;
    }
    if (this.closedLedgers.size >= MAX_CLOSED_LEDGERS) this.closedLedgers.clear();
    this.closedLedgers.set(id, ledger);
  }

  /** Writes fields without a status change (e.g. bookkeeping), with no event. */
  async update(id: string, patch: GenerationPatch): Promise<void> {
    await this.db.generation.update({ where: { id }, data: { ...patch, updatedAt: this.clock.now() } });
    this.options.snapshots?.forget(id);
  }

  /**
   * Writes fields of a row that is (still) in `whileStatus`, without a status change, plus an
   * optional event, in one transaction; false when the row had moved on.
   */
  async annotate(
    id: string,
    whileStatus: GenerationStatus,
    patch: GenerationPatch,
    event: { type: GenerationEventType; details: EventDetails } | null,
  ): Promise<boolean> {
    const now = this.clock.now();
    const written = await this.writeEvents(id, async (tx) => {
      if (!(await updateIfIn(tx, id, whileStatus, { ...patch, updatedAt: now }))) return false;
      if (event) {
        await insertEventRows(tx, [
          {
            generationId: id,
            type: event.type,
            message: event.details.message ?? null,
            errorCode: event.details.errorCode ?? null,
            attempt: event.details.attempt ?? null,
            createdAt: now,
          },
        ]);
      }
      return true;
    });
    return written === true;
  }

  async recordCalls(id: string, calls: readonly UpstreamCall[], attempt?: number): Promise<void> {
    if (calls.length === 0) return;
    // One statement and no transaction around it (BEGIN and COMMIT would triple the cost of
    // every status poll); subscribers are woken once it is written.
    await this.insertEvents(callEvents(id, calls, attempt, this.clock.now()));
    this.options.notifier?.notify(id);
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
    await this.insertEvents([event]);
    this.options.notifier?.notify(id);
  }

  /** Event rows outside a transaction, in one statement (no BEGIN and COMMIT around it), on the driver adapter (src/db/rows.ts). */
  private async insertEvents(events: EventRow[]): Promise<void> {
    if (events.length > 0) await this.db.$rows.execute({ model: "GenerationEvent", operation: "createMany" }, eventRowsInsertSql(events));
  }
}


export interface TransitionOptions {
  /** Checked after the row's update, in its transaction: true withdraws the transition (rolled back). */
  unless?: (tx: Tx) => Promise<boolean>;
  /** The row as the caller last knew it: an audited transition may then be one statement on PostgreSQL (auditedAhead). */
  current?: GenerationRow;
}

/** Accepted by Segmind (or on the wire) and not finished: what SEGMIND_MAX_IN_FLIGHT counts. */
export const IN_FLIGHT_STATUSES: readonly GenerationStatus[] = ["SUBMITTING", "SUBMITTED", "RUNNING", "STORING"];
const MAX_CLOSED_LEDGERS = 10_000;
// Any fixed key: serialises submit claims when capped.
const CLAIM_LOCK = 0x5eedacf;

class TransitionWithdrawn extends Error {}

function statusEvent(id: string, from: GenerationStatus, to: GenerationStatus, details: EventDetails, now: Date): EventRow {
  return {
    generationId: id,
    type: "STATUS_CHANGED" satisfies GenerationEventType,
    fromStatus: from,
    toStatus: to,
    message: details.message ?? null,
    errorCode: details.errorCode ?? null,
    attempt: details.attempt ?? null,
    createdAt: now,
  };
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
