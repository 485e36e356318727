import { type Sql, sqltag } from "@prisma/client/runtime/client";
import type { Tx } from "../db/client";
import { columnList, insertRows, insertRowsSql } from "../db/insert-rows";
import type { GenerationErrorCode } from "../error-codes";
import { type GenerationStatus, TERMINAL_STATUSES } from "../generations/status";
import type { GenerationRow } from "../generations/types";
import { roundUsd } from "../money";
import type { HoldRequest, LedgerKind } from "./ledger";

/**
 * A generation's hold, from admission to its close (ledger.ts tells the whole budget story):
 * the HOLD written with the row, and the SETTLE or RELEASE that closes it once the cost is
 * known or the generation ends, by the rules of `holdOutcome`.
 */

/** The columns a ledger entry is written with (placeHolds, closeHold). */
const LEDGER_COLUMNS = ["teamId", "apiKeyId", "generationId", "kind", "amountUsd", "createdAt"] as const;

/**
 * The HOLDs of generations just inserted together (a batch, or a team's group commit), in one
 * statement of the same transaction as the rows and the check that admitted them; the INSERT
 * moves the running totals (migration 0011). All of one team.
 */
export async function placeHolds(
  tx: Tx,
  holds: ReadonlyArray<Pick<HoldRequest, "teamId" | "apiKeyId" | "now" | "estimateUsd"> & { generationId: string }>,
): Promise<void> {
  if (holds.length === 0) return;
  await insertRows(
    tx,
    "LedgerEntry",
    LEDGER_COLUMNS,
    holds.map((hold) => [hold.teamId, hold.apiKeyId, hold.generationId, "HOLD" satisfies LedgerKind, roundUsd(hold.estimateUsd), hold.now]),
  );
}

/** Why a hold was closed the way it was. */
export type SettlementBasis =
  /** SETTLE to the cost Segmind reported (x-cost or the v2 metrics). */
  | "REPORTED_COST"
  /** SETTLE to the estimate: Segmind billed or may have billed it, and reported no cost. */
  | "ESTIMATE"
  /** RELEASE: Segmind provably billed nothing. */
  | "UNBILLED";

export interface HoldOutcome {
  kind: "SETTLE" | "RELEASE";
  amountUsd: number;
  basis: SettlementBasis;
  reason: string;
}

/** Failures whose submit may have been accepted and billed although no upstream id is known. */
const OUTCOME_UNKNOWN_CODES: ReadonlySet<string> = new Set<GenerationErrorCode>(["SUBMIT_OUTCOME_UNKNOWN", "SUBMIT_INTERRUPTED"]);

/**
 * How a hold of `holdUsd` closes for a generation as it is now; null while it stays open
 * (not final, no cost reported). The rules, in order:
 * - a reported cost (costUsd, recorded on the transition into STORING): SETTLE to it, whatever
 *   happens afterwards (Segmind has billed it);
 * - not final yet: stays open;
 * - UPSTREAM_JOB_FAILED: RELEASE (Segmind ran it and it failed; failed jobs are not billed);
 * - accepted by Segmind (submittedAt set) without a reported cost, e.g. canceled or expired
 *   after submit (Segmind runs it to the end and bills it), a poll deadline, a lost record:
 *   SETTLE at the estimate;
 * - SUBMIT_OUTCOME_UNKNOWN / SUBMIT_INTERRUPTED: SETTLE at the estimate. Segmind may have
 *   billed it and offers no lookup without the id; the budget assumes the worst rather than
 *   keep a hold open that nothing would ever close;
 * - otherwise (never accepted: refused, unreachable, canceled or expired while queued):
 *   RELEASE.
 */
export function holdOutcome(
  row: Pick<GenerationRow, "status" | "costUsd" | "submittedAt" | "errorCode">,
  holdUsd: number,
): HoldOutcome | null {
  if (row.costUsd != null) {
    return { kind: "SETTLE", amountUsd: roundUsd(row.costUsd), basis: "REPORTED_COST", reason: "Segmind reported the cost" };
  }
  if (!TERMINAL_STATUSES.has(row.status as GenerationStatus)) return null;
  if (row.errorCode === "UPSTREAM_JOB_FAILED") {
    return { kind: "RELEASE", amountUsd: holdUsd, basis: "UNBILLED", reason: "Segmind ran the job and it failed; failed jobs are not billed" };
  }
  if (row.submittedAt != null) {
    return {
      kind: "SETTLE",
      amountUsd: holdUsd,
      basis: "ESTIMATE",
      reason: `Segmind accepted the job and bills it, but no cost was reported (${row.status}${row.errorCode ? ` ${row.errorCode}` : ""})`,
    };
  }
  if (row.errorCode && OUTCOME_UNKNOWN_CODES.has(row.errorCode)) {
    return {
      kind: "SETTLE",
      amountUsd: holdUsd,
      basis: "ESTIMATE",
      reason: `${row.errorCode}: Segmind may have accepted and billed the submit; charged at the estimate`,
    };
  }
  return { kind: "RELEASE", amountUsd: holdUsd, basis: "UNBILLED", reason: "Segmind never accepted a submit for it" };
}

/** Transitions that may close a hold: into a final status, or one that records a cost. */
export function mayCloseHold(to: GenerationStatus, patch: { costUsd?: number | null }): boolean {
  return TERMINAL_STATUSES.has(to) || patch.costUsd != null;
}

/** A generation's ledger entries as closing and auditing need them (`ledgerOf`). */
export type LedgerAmounts = Array<{ kind: string; amountUsd: number }>;

/**
 * The generation's ledger entries (kind and amount), read once per transition that needs them.
 * Raw, so the transition stays on the driver adapter (src/db/raw-transactions.ts).
 */
export function ledgerOf(tx: Pick<Tx, "$queryRaw">, generationId: string): Promise<LedgerAmounts> {
  return tx.$queryRaw<LedgerAmounts>`SELECT "kind", "amountUsd" FROM "LedgerEntry" WHERE "generationId" = ${generationId}`;
}

/**
 * Settles or releases the generation's open hold, if it has one and `holdOutcome` says it
 * closes now. Called by GenerationJournal.transition inside the transition's transaction
 * (after the guarded update, so exactly one transition closes it), with the row as that update
 * left it and the generation's entries as `ledgerOf` read them in this transaction; the entry
 * it writes is appended to `entries`, so the audit entry of the same transaction sums them
 * without reading again. Returns what it wrote (with the team, for the metrics), or null. `now`
 * is the transition's time. It does not write to the audit trail: the GENERATION_SETTLED entry
 * of the same transaction (src/audit/generations.ts) records the final status and costs.
 */
export async function closeHold(
  tx: Tx,
  row: Pick<GenerationRow, "id" | "teamId" | "apiKeyId" | "status" | "costUsd" | "submittedAt" | "errorCode">,
  now: Date,
  entries: LedgerAmounts,
  /**
   * PostgreSQL: given what the entry will be, a statement to run in the same statement as its
   * INSERT (a CTE: the transition's events), when nothing else is to follow it before the
   * COMMIT. The INSERT's trigger locks the team's running totals to the end of the
   * transaction: with the events beside it, the lock is held for the COMMIT alone.
   */
  alongside?: (outcome: HoldOutcome & { holdUsd: number }) => Sql | undefined,
): Promise<(HoldOutcome & { teamId: string; apiKeyId: string | null; holdUsd: number; alongsideRan: boolean }) | null> {
  if (!row.teamId) return null;
  const hold = entries.find((entry) => entry.kind === "HOLD");
  if (!hold || entries.some((entry) => entry.kind !== "HOLD")) return null;
  const outcome = holdOutcome(row, hold.amountUsd);
  if (!outcome) return null;
  // A fixed INSERT, not Prisma's create (compiled to a plan with its values on every call).
  const values = [[row.teamId, row.apiKeyId, row.id, outcome.kind satisfies LedgerKind, outcome.amountUsd, now]];
  const also = alongside?.({ ...outcome, holdUsd: hold.amountUsd });
  if (also) await tx.$executeRaw(sqltag`WITH alongside AS (${also}) ${insertRowsSql("LedgerEntry", LEDGER_COLUMNS, values)}`);
  else await insertRows(tx, "LedgerEntry", LEDGER_COLUMNS, values);
  // The INSERT also takes the hold out of the running totals and counts what was settled (migration 0011).
  entries.push({ kind: outcome.kind, amountUsd: outcome.amountUsd });
  return { ...outcome, teamId: row.teamId, apiKeyId: row.apiKeyId, holdUsd: hold.amountUsd, alongsideRan: also !== undefined };
}

/**
 * PostgreSQL, a result that reports its cost on a generation whose ledger is known to be its
 * HOLD alone (placed-holds.ts): the settlement is known before anything is written, so the
 * journal can write it in the same statement as the row's move (one-statement-move.ts), with no
 * transaction around them. Its trigger's lock on the team's running totals is then held inside
 * the database only, never across a round trip. The outcome, and the INSERT, which takes the
 * team and key from the moved row (`moved`: none when the row was no longer where expected).
 */
export function settlementWithMove(
  ledger: LedgerAmounts,
  costUsd: number,
  now: Date,
): { outcome: HoldOutcome & { holdUsd: number }; insertFromMoved: Sql } | null {
  const [hold, ...others] = ledger;
  if (!hold || hold.kind !== "HOLD" || others.length > 0) return null;
  // A reported cost settles to it whatever the status (holdOutcome's first rule).
  const outcome = holdOutcome({ status: "STORING", costUsd, submittedAt: null, errorCode: null }, hold.amountUsd);
  if (!outcome) return null;
  const insertFromMoved = sqltag`INSERT INTO "LedgerEntry" (${columnList(LEDGER_COLUMNS)})
    SELECT "teamId", "apiKeyId", "id", ${outcome.kind}, ${outcome.amountUsd}, ${now} FROM "moved" WHERE "teamId" IS NOT NULL`;
  return { outcome: { ...outcome, holdUsd: hold.amountUsd }, insertFromMoved };
}
