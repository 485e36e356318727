// The team's row and its keys' rows as a budget check reads them: ONE statement inside the
// admission transaction, where two Prisma queries (team.findUnique, apiKey.findMany) took two
// statements and two query compilations (Prisma 6.19 compiles every model query in
// WebAssembly, values inlined, nothing cached). A LEFT JOIN: the team's columns repeat on each
// key's line; a team without keys (or a request without one) is one line of NULL key columns.
//
// Not merged with lockTeamBudget's `FOR NO KEY UPDATE` on PostgreSQL: a locking SELECT that
// waited for the lock re-reads the locked Team row at its newest version, but the joined
// ApiKey rows stay as its snapshot saw them before the wait, i.e. without the holds the
// transaction it waited for placed on the key. The read must start after the lock is held.
import { join, raw, sqltag } from "@prisma/client/runtime/client";
import type { Tx } from "../db/client";
import type { CountedTotals } from "./counters";
import type { BudgetLimits } from "./ledger";

/** The columns a check and its alerts use (limits, running totals, names), as Prisma types them. */
export type BudgetTeamRow = BudgetLimits & CountedTotals & { id: string; name: string };
export type BudgetKeyRow = BudgetLimits & CountedTotals & { id: string; name: string; prefix: string };

const LIMITS_AND_TOTALS = [
  "dailyLimitUsd",
  "monthlyLimitUsd",
  "maxConcurrent",
  "requestsPerMinute",
  "heldUsd",
  "spentDay",
  "spentDayUsd",
  "spentMonth",
  "spentMonthUsd",
] as const;
const TEAM_COLUMNS = ["id", "name", ...LIMITS_AND_TOTALS] as const;
const KEY_COLUMNS = ["id", "name", "prefix", ...LIMITS_AND_TOTALS] as const;

const SELECT_LIST = raw(
  [...TEAM_COLUMNS.map((column) => `"t"."${column}" AS "t_${column}"`), ...KEY_COLUMNS.map((column) => `"k"."${column}" AS "k_${column}"`)].join(", "),
);

/**
 * The team `teamId` (null if there is none) and those of `keyIds` that exist, in one
 * statement; call after lockTeamBudget, in the same transaction. Keys are matched by id
 * alone, as apiKey.findMany({ where: { id: { in } } }) did.
 */
export async function readBudgetRows(tx: Tx, teamId: string, keyIds: readonly string[]): Promise<{ team: BudgetTeamRow | null; keys: BudgetKeyRow[] }> {
  const onKeys = keyIds.length === 0 ? sqltag`1 = 0` : sqltag`"k"."id" IN (${join([...keyIds])})`;
  const lines = await tx.$queryRaw<Array<Record<string, unknown>>>(sqltag`
    SELECT ${SELECT_LIST} FROM "Team" AS "t" LEFT JOIN "ApiKey" AS "k" ON ${onKeys} WHERE "t"."id" = ${teamId}`);
  const first = lines[0];
  if (!first) return { team: null, keys: [] };
  return {
    team: pick<BudgetTeamRow>(first, "t_", TEAM_COLUMNS),
    keys: lines.filter((line) => line.k_id != null).map((line) => pick<BudgetKeyRow>(line, "k_", KEY_COLUMNS)),
  };
}

/** The driver adapters decode these columns as Prisma does (test/budget/budget-rows.test.ts). */
function pick<T>(line: Record<string, unknown>, prefix: string, columns: readonly string[]): T {
  const row: Record<string, unknown> = {};
  for (const column of columns) {
    row[column] = line[`${prefix}${column}`] ?? null;
  }
  return row as T;
}
