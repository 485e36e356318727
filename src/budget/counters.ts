import type { Tx } from "../db/client";
import { roundUsd } from "../money";

/**
 * Running totals of the ledger on the Team and ApiKey rows: open holds, and what was settled
 * in the current UTC day and month. Kept in the same transactions that write ledger entries
 * (placeHolds, closeHold), so a budget check reads the team's row instead of summing a month
 * of entries: its cost does not grow with the team's history. The ledger stays the record;
 * migration 0008 computed the totals from it, and test/budget/counters.test.ts checks that
 * they agree.
 */
export interface CountedTotals {
  heldUsd: number;
  spentDay: string;
  spentDayUsd: number;
  spentMonth: string;
  spentMonthUsd: number;
}

/** The UTC day and month a moment falls in, as the counters name them ("2026-11-29", "2026-11"). */
export function windowNames(now: Date): { day: string; month: string } {
  const iso = now.toISOString();
  return { day: iso.slice(0, 10), month: iso.slice(0, 7) };
}

/** What the totals say at `now`: a window the row does not name has nothing settled yet. */
export function countedUsage(row: CountedTotals, now: Date): { heldUsd: number; spentTodayUsd: number; spentThisMonthUsd: number } {
  const { day, month } = windowNames(now);
  return {
    heldUsd: Math.max(0, roundUsd(row.heldUsd)),
    // A later name (another instance's clock is ahead) still counts: never under-count.
    spentTodayUsd: row.spentDay >= day ? roundUsd(row.spentDayUsd) : 0,
    spentThisMonthUsd: row.spentMonth >= month ? roundUsd(row.spentMonthUsd) : 0,
  };
}

interface Owner {
  teamId: string;
  apiKeyId: string | null;
}

/**
 * Holds were just placed for a team: the amounts in total by key (null: without a key). Raw
 * statements: a Prisma update costs ~3× the CPU of the same SQL, and this runs in every
 * admission.
 */
export async function countHolds(tx: Tx, holds: { teamId: string; keys: ReadonlyMap<string | null, number> }): Promise<void> {
  const total = roundUsd([...holds.keys.values()].reduce((sum, amount) => sum + amount, 0));
  await tx.$executeRaw`UPDATE "Team" SET "heldUsd" = "heldUsd" + ${total} WHERE "id" = ${holds.teamId}`;
  for (const [apiKeyId, amountUsd] of holds.keys) {
    if (apiKeyId) await tx.$executeRaw`UPDATE "ApiKey" SET "heldUsd" = "heldUsd" + ${roundUsd(amountUsd)} WHERE "id" = ${apiKeyId}`;
  }
}

/**
 * A hold of `holdUsd` was just closed at `now`: settled for `spentUsd` (0 for a release).
 * One statement per row; a window moves on when `now` names a later one, and a settlement
 * stamped with an earlier window (a clock behind) adds to the month it still shares, if any.
 */
export async function countClose(tx: Tx, owner: Owner, holdUsd: number, spentUsd: number, now: Date): Promise<void> {
  const { day, month } = windowNames(now);
  const held = roundUsd(holdUsd);
  const spent = roundUsd(spentUsd);
  await tx.$executeRaw`UPDATE "Team" SET
      "heldUsd" = "heldUsd" - ${held},
      "spentDayUsd" = CASE WHEN "spentDay" = ${day} THEN "spentDayUsd" + ${spent} WHEN "spentDay" < ${day} THEN ${spent} ELSE "spentDayUsd" END,
      "spentDay" = CASE WHEN "spentDay" < ${day} THEN ${day} ELSE "spentDay" END,
      "spentMonthUsd" = CASE WHEN "spentMonth" = ${month} THEN "spentMonthUsd" + ${spent} WHEN "spentMonth" < ${month} THEN ${spent} ELSE "spentMonthUsd" END,
      "spentMonth" = CASE WHEN "spentMonth" < ${month} THEN ${month} ELSE "spentMonth" END
    WHERE "id" = ${owner.teamId}`;
  if (!owner.apiKeyId) return;
  await tx.$executeRaw`UPDATE "ApiKey" SET
      "heldUsd" = "heldUsd" - ${held},
      "spentDayUsd" = CASE WHEN "spentDay" = ${day} THEN "spentDayUsd" + ${spent} WHEN "spentDay" < ${day} THEN ${spent} ELSE "spentDayUsd" END,
      "spentDay" = CASE WHEN "spentDay" < ${day} THEN ${day} ELSE "spentDay" END,
      "spentMonthUsd" = CASE WHEN "spentMonth" = ${month} THEN "spentMonthUsd" + ${spent} WHEN "spentMonth" < ${month} THEN ${spent} ELSE "spentMonthUsd" END,
      "spentMonth" = CASE WHEN "spentMonth" < ${month} THEN ${month} ELSE "spentMonth" END
    WHERE "id" = ${owner.apiKeyId}`;
}
