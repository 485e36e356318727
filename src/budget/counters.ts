import { roundUsd } from "../money";

/**
 * Running totals of the ledger on the Team and ApiKey rows: open holds, and what was settled
 * in the current UTC day and month, so a budget check reads the team's row instead of summing a
 * month of entries: its cost does not grow with the team's history. The ledger stays the record;
 * migration 0008 computed the totals from it, and since migration 0011 every INSERT INTO
 * "LedgerEntry" moves them in the same statement (a trigger: whoever writes an entry, the totals
 * follow, and placeHolds and closeHold spend no statement of their own on them).
 * test/budget/counters.test.ts checks that they agree.
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
