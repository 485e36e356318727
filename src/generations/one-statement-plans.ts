import { type Sql, join, raw, sqltag } from "@prisma/client/runtime/client";
import { isAuditedTransition, transitionAuditRecords } from "../audit/generations";
import { pendingWithMovedSql } from "../audit/log";
import { type LedgerAmounts, settlementWithMove } from "../budget/holds";
import type { PlacedHolds } from "../budget/placed-holds";
import type { BudgetAlerts } from "../budget/thresholds";
import type { LowBalanceAlerts } from "../credits/low-balance";
import type { WebhookOutbox } from "../webhooks/outbox";
import type { EventDetails, GenerationPatch, TransitionOptions } from "./journal";
import { type GenerationStatus, TERMINAL_STATUSES } from "./status";
import type { GenerationRow } from "./types";

/**
 * When a transition can skip its transaction on PostgreSQL (journal.ts): the plans for writing
 * it as one statement (one-statement-move.ts) with what would otherwise be written after the
 * row's update, each returned only when nothing else would be. null: run the transaction.
 */
export interface PlanContext {
  provider: "sqlite" | "postgresql";
  placedHolds?: Pick<PlacedHolds, "ledgerLeaving">;
  webhooks?: Pick<WebhookOutbox, "nothingFinishedFor">;
  alerts?: { budget?: Pick<BudgetAlerts, "afterSpend">; lowBalance?: Pick<LowBalanceAlerts, "observe" | "enabled"> };
  /** The ledger of a hold this process saw closed (journal.ts closedLedgers). */
  closedLedger(id: string): LedgerAmounts | undefined;
}

/** What decides whether a closed hold raises a budget alert. */
export type SettlementFacts = { kind: string; amountUsd: number; holdUsd: number };

/** The columns a transition's audit entries show (src/audit/generations.ts transitionAuditRecords), besides id and status. */
const AUDITED_COLUMNS = ["teamId", "apiKeyId", "errorCode", "upstreamRequestId", "upstreamMode", "attempts", "estimatedCostUsd", "costUsd", "seed", "upstreamSeed", "videoSha256", "videoBytes"] as const;

/**
 * PostgreSQL, a result reporting its cost (into STORING) on a generation whose HOLD this
 * process placed: the settlement, written with the row's move in one statement, unless
 * something must read after it in a transaction (a budget alert when it settles above its
 * hold, a low-balance check of the reported credits).
 */
export function settlementAhead(context: PlanContext, id: string, from: GenerationStatus, to: GenerationStatus, patch: GenerationPatch, options: TransitionOptions, now: Date) {
  if (context.provider !== "postgresql" || options.unless || patch.costUsd == null) return null;
  if (isAuditedTransition(from, to) || TERMINAL_STATUSES.has(to)) return null;
  if (checksLowBalance(context.alerts, patch)) return null;
  const ledger = context.placedHolds?.ledgerLeaving(id, from);
  if (!ledger) return null;
  const settlement = settlementWithMove(ledger, patch.costUsd, now);
  if (!settlement || raisesBudgetAlert(context.alerts, settlement.outcome)) return null;
  return { ...settlement, ledger };
}

/**
 * PostgreSQL, an audited transition whose transaction would write nothing but the row, its
 * events and its audit entries, as one statement: the submit's record (SUBMITTING ->
 * SUBMITTED), or a final status whose hold is known closed (or that has no team), in no
 * batch, that no webhook endpoint may take; no cost reported with it (a settlement), no alert
 * reading after it. It needs the row as the caller knows it (`current`), in `from`: the
 * entries are made from it with `data` over it, so the move is guarded on every column they
 * show that `data` does not set, and happens only if the row is exactly as known. When
 * anything differs it moves nothing, and the transaction runs as for any other transition.
 */
export function auditedAhead(
  context: PlanContext,
  id: string,
  from: GenerationStatus,
  to: GenerationStatus,
  data: GenerationPatch & { status: string },
  details: EventDetails,
  options: TransitionOptions,
  now: Date,
) {
  const current = options.current;
  if (context.provider !== "postgresql" || !isAuditedTransition(from, to) || options.unless) return null;
  if (!current || current.id !== id || current.status !== from || data.costUsd != null || checksLowBalance(context.alerts, data)) return null;
  let ledger: LedgerAmounts | undefined = [];
  const guards: Sql[] = [];
  if (TERMINAL_STATUSES.has(to)) {
    ledger = current.teamId ? context.closedLedger(id) : [];
    const noDeliveries = context.webhooks ? context.webhooks.nothingFinishedFor(current, to) : sqltag`TRUE`;
    if (!ledger || !noDeliveries) return null;
    guards.push(noDeliveries);
  }
  const written = { ...current, ...data } as GenerationRow;
  const records = transitionAuditRecords(written, from, to, details.actor ?? null, details.attempt, ledger);
  // One entry (a cancel's two keep the transaction, whose appends fix their order).
  if (records.length !== 1) return null;
  for (const column of AUDITED_COLUMNS) {
    if (!(column in data)) guards.push(sqltag`${raw(`"${column}"`)} IS NOT DISTINCT FROM ${(current as Record<string, unknown>)[column] ?? null}`);
  }
  return { ledger: TERMINAL_STATUSES.has(to) ? ledger : undefined, withMoved: pendingWithMovedSql(now, records), guard: join(guards, " AND ") };
}

/** A settlement above its hold: spending grew, and a budget.threshold alert reads after it (src/budget/thresholds.ts). */
export function raisesBudgetAlert(alerts: PlanContext["alerts"], outcome: SettlementFacts): boolean {
  return outcome.kind === "SETTLE" && outcome.amountUsd > outcome.holdUsd && alerts?.budget !== undefined;
}

/** A reported balance that the credits.low alert checks in the transition (src/credits/low-balance.ts). */
export function checksLowBalance(alerts: PlanContext["alerts"], patch: GenerationPatch): boolean {
  return patch.remainingCreditsUsd != null && alerts?.lowBalance?.enabled === true;
}
