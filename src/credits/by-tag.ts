import type { GenerationVisibility } from "../auth/visibility";
import { budgetWindows } from "../budget/ledger";
import type { Db } from "../db/client";
import { roundUsd } from "../money";

export interface TagSpending {
  tag: string;
  /** SETTLE entries written since 00:00 UTC today, of generations carrying the tag. */
  spentTodayUsd: number;
  /** SETTLE entries written since the 1st of this month, 00:00 UTC. */
  spentThisMonthUsd: number;
  /** Generations carrying the tag whose cost was settled this month. */
  generations: number;
}

/** Tags shown at most; the biggest spenders first. */
export const SPENDING_BY_TAG_LIMIT = 100;

/**
 * Spending grouped by tag, by the budget's own rule (src/budget/ledger.ts): what was settled
 * (SETTLE entries) in the calendar UTC day and month. A generation with several tags counts
 * in full under each. One grouped query over the month's SETTLE entries joined to the tag
 * rows; only the caller's team (an admin key: every team's; anonymous callers have no
 * ledger and so no rows).
 */
export async function spendingByTag(db: Db, visibility: GenerationVisibility, now: Date): Promise<TagSpending[]> {
  if (visibility.teamId === null) return [];
  const { dayStart, monthStart, monthEnd } = budgetWindows(now);
  type Row = { tag: string; today: number | null; month: number | null; generations: number | bigint };
  const rows =
    visibility.teamId === undefined
      ? await db.$queryRaw<Row[]>`
          SELECT t."tag" AS "tag",
                 SUM(CASE WHEN l."createdAt" >= ${dayStart} THEN l."amountUsd" ELSE 0 END) AS "today",
                 SUM(l."amountUsd") AS "month",
                 COUNT(DISTINCT l."generationId") AS "generations"
          FROM "LedgerEntry" l JOIN "GenerationTag" t ON t."generationId" = l."generationId"
          WHERE l."kind" = 'SETTLE' AND l."createdAt" >= ${monthStart} AND l."createdAt" < ${monthEnd}
          GROUP BY t."tag" ORDER BY "month" DESC, t."tag" ASC LIMIT ${SPENDING_BY_TAG_LIMIT}`
      : await db.$queryRaw<Row[]>`
          SELECT t."tag" AS "tag",
                 SUM(CASE WHEN l."createdAt" >= ${dayStart} THEN l."amountUsd" ELSE 0 END) AS "today",
                 SUM(l."amountUsd") AS "month",
                 COUNT(DISTINCT l."generationId") AS "generations"
          FROM "LedgerEntry" l JOIN "GenerationTag" t ON t."generationId" = l."generationId"
          WHERE l."teamId" = ${visibility.teamId} AND l."kind" = 'SETTLE'
            AND l."createdAt" >= ${monthStart} AND l."createdAt" < ${monthEnd}
          GROUP BY t."tag" ORDER BY "month" DESC, t."tag" ASC LIMIT ${SPENDING_BY_TAG_LIMIT}`;
  return rows.map((row) => ({
    tag: row.tag,
    spentTodayUsd: roundUsd(Number(row.today ?? 0)),
    spentThisMonthUsd: roundUsd(Number(row.month ?? 0)),
    generations: Number(row.generations),
  }));
}
