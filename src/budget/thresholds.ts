import { encodeGlobalID } from "@pothos/plugin-relay";
import type { Tx } from "../db/client";
import { roundUsd } from "../money";
import type { WebhookOutbox } from "../webhooks/outbox";
import { type BudgetKeyRow, type BudgetTeamRow, readBudgetRows } from "./budget-rows";
import { type CountedTotals, countedUsage } from "./counters";
import { type BudgetUsage, budgetWindows, lockTeamBudget } from "./ledger";

/**
 * `budget.threshold` webhooks: a team or one of its keys has used a configured share
 * (WEBHOOK_BUDGET_THRESHOLDS, percent, e.g. 80 and 100) of its daily or monthly dollar limit.
 *
 * "Used" is what the budget check counts: settled spending in the window plus open holds. It
 * grows when a hold is placed (createGeneration, a batch) and when a hold is settled above
 * its estimate (the journal's transition that records Segmind's cost); `afterSpend` is called
 * in those transactions, after the ledger entries, and writes a WebhookAlert row plus the
 * outbox deliveries for each threshold now reached and not yet alerted in this window. So each
 * (team or key, window, threshold) fires once per calendar UTC day or month, in the very
 * transaction whose spend or hold reached it; a hold released and placed again does not fire
 * twice. `afterSpend` takes the team's budget lock first (createGeneration already holds it),
 * so two transactions of one team cannot both see the alert missing.
 *
 * A request the budget refuses writes nothing, so it raises no alert: the caller got a
 * BudgetExceededError instead.
 */
export interface BudgetAlertsOptions {
  /** Percentages of a limit, ascending, each 1..1000 (WEBHOOK_BUDGET_THRESHOLDS); empty: off. */
  thresholdsPercent: readonly number[];
  provider: "sqlite" | "postgresql";
  outbox: Pick<WebhookOutbox, "write" | "scheduled">;
}

export interface SpendCause {
  teamId: string;
  apiKeyId: string | null;
  now: Date;
  /** The generation whose hold or settlement it was (a batch: its last one), for the payload. */
  generationId?: string | null;
  /** The caller's transaction already holds the team's budget lock (createGeneration). */
  teamLocked?: boolean;
}

type Window = "DAILY" | "MONTHLY";

export class BudgetAlerts {
  constructor(private readonly options: BudgetAlertsOptions) {}

  /** After the transaction that called afterSpend committed: send its deliveries now. */
  scheduled(ids: readonly string[]): void {
    this.options.outbox.scheduled(ids);
  }

  /** In the transaction that placed holds or settled above one: alert every threshold newly reached. Returns delivery ids. */
  async afterSpend(tx: Tx, cause: SpendCause): Promise<string[]> {
    if (this.options.thresholdsPercent.length === 0) return [];
    // The team's budget lock (ledger.ts): alerts of one team are checked one transaction at a time.
    if (!cause.teamLocked) await lockTeamBudget(tx, this.options.provider, cause.teamId);
    return this.afterHolds(tx, cause.teamId, [{ apiKeyId: cause.apiKeyId, now: cause.now, generationId: cause.generationId ?? null, amountUsd: 0 }]);
  }

  /**
   * Several requests' holds of one team placed together, in this order, in one transaction
   * under the team's lock (the group commit, src/generations/admission.ts): the same alerts as
   * calling afterSpend after each hold in turn, each at the hold that reached it, with one
   * read of the team and its keys. The rows read include every hold of `steps`; the usage
   * after step i is that minus the amounts of the steps after it.
   */
  async afterHolds(tx: Tx, teamId: string, steps: readonly HoldStep[], readBefore?: RowsBeforeHolds): Promise<string[]> {
    const thresholds = this.options.thresholdsPercent;
    if (thresholds.length === 0 || steps.length === 0) return [];
    const keyIds = [...new Set(steps.map((step) => step.apiKeyId).filter((id): id is string => id !== null))];
    // The rows as the caller read them under the team's lock before these holds (checkBudgets),
    // or read now, these holds included.
    const { team, keys } = readBefore ?? (await readBudgetRows(tx, teamId, keyIds));
    if (!team) return [];
    const hasDollarLimit = (row: { dailyLimitUsd: number | null; monthlyLimitUsd: number | null } | null | undefined) =>
      row != null && (row.dailyLimitUsd != null || row.monthlyLimitUsd != null);
    const limitedKeys = new Map(keys.filter(hasDollarLimit).map((key) => [key.id, key]));
    if (!hasDollarLimit(team) && limitedKeys.size === 0) return [];

    // What is held after each step: the rows' running totals (src/budget/counters.ts) plus the
    // holds of the steps up to it (read before), or less those after it (read after). Dollars only.
    const total = (apiKeyId?: string) =>
      steps.filter((step) => apiKeyId === undefined || step.apiKeyId === apiKeyId).reduce((sum, step) => sum + roundUsd(step.amountUsd), 0);
    let teamSoFar = readBefore ? 0 : -total();
    const keySoFar = new Map([...limitedKeys.keys()].map((id) => [id, readBefore ? 0 : -total(id)]));
    const heldAfter = steps.map((step) => {
      teamSoFar += roundUsd(step.amountUsd);
      const key = step.apiKeyId ? limitedKeys.get(step.apiKeyId) : undefined;
      if (key) keySoFar.set(key.id, (keySoFar.get(key.id) ?? 0) + roundUsd(step.amountUsd));
      return { team: team.heldUsd + teamSoFar, key: key ? key.heldUsd + (keySoFar.get(key.id) ?? 0) : 0 };
    });

    type Crossing = { alertKey: string; scope: "TEAM" | "KEY"; window: Window; threshold: number; limitUsd: number; usage: BudgetUsage; spentUsd: number; step: HoldStep; key: ApiKeyRow | null };
    // The first step that reaches each threshold; later ones would find it alerted already.
    const crossings = new Map<string, Crossing>();
    for (const [index, step] of steps.entries()) {
      const day = step.now.toISOString().slice(0, 10);
      const month = day.slice(0, 7);
      const consider = (scope: "TEAM" | "KEY", row: ApiKeyRow | typeof team, heldUsd: number) => {
        const u = dollarUsage({ ...row, heldUsd }, step.now);
        const perWindow: Array<[Window, number | null, number, string]> = [
          ["DAILY", row.dailyLimitUsd, u.spentTodayUsd, day],
          ["MONTHLY", row.monthlyLimitUsd, u.spentThisMonthUsd, month],
        ];
        for (const [window, limitUsd, spentUsd, windowKey] of perWindow) {
          if (limitUsd == null || limitUsd <= 0) continue;
          const used = roundUsd(spentUsd + u.heldUsd);
          for (const threshold of thresholds) {
            if (used < roundUsd((limitUsd * threshold) / 100)) continue;
            const alertKey = `budget.threshold:${scope}:${row.id}:${window}:${windowKey}:${threshold}`;
            if (crossings.has(alertKey)) continue;
            crossings.set(alertKey, { alertKey, scope, window, threshold, limitUsd, usage: u, spentUsd, step, key: scope === "KEY" ? (row as ApiKeyRow) : null });
          }
        }
      };
      const held = heldAfter[index] as { team: number; key: number };
      if (hasDollarLimit(team)) consider("TEAM", team, held.team);
      const key = step.apiKeyId ? limitedKeys.get(step.apiKeyId) : undefined;
      if (key) consider("KEY", key, held.key);
    }
    if (crossings.size === 0) return [];

    const already = new Set(
      (await tx.webhookAlert.findMany({ where: { key: { in: [...crossings.keys()] } }, select: { key: true } })).map((row) => row.key),
    );
    const deliveries: string[] = [];
    for (const crossing of crossings.values()) {
      if (already.has(crossing.alertKey)) continue;
      const windows = budgetWindows(crossing.step.now);
      const data = {
        scope: crossing.scope,
        window: crossing.window,
        thresholdPercent: crossing.threshold,
        limitUsd: crossing.limitUsd,
        usedUsd: roundUsd(crossing.spentUsd + crossing.usage.heldUsd),
        spentUsd: crossing.spentUsd,
        heldUsd: crossing.usage.heldUsd,
        windowStart: (crossing.window === "DAILY" ? windows.dayStart : windows.monthStart).toISOString(),
        resetsAt: (crossing.window === "DAILY" ? windows.dayEnd : windows.monthEnd).toISOString(),
        team: { id: team.id, name: team.name },
        key: crossing.key ? { id: crossing.key.id, prefix: crossing.key.prefix, name: crossing.key.name } : null,
        generationId: crossing.step.generationId ? encodeGlobalID("Generation", crossing.step.generationId) : null,
      };
      await tx.webhookAlert.create({
        data: { key: crossing.alertKey, type: "budget.threshold", teamId: team.id, details: JSON.stringify(data), createdAt: crossing.step.now },
      });
      deliveries.push(...(await this.options.outbox.write(tx, { type: "budget.threshold", teamId: team.id, at: crossing.step.now, data })));
    }
    return deliveries;
  }
}

type ApiKeyRow = BudgetKeyRow;
type TeamRow = BudgetTeamRow;

/** The team's row and its keys' rows, read in this transaction under the team's lock before the holds. */
export interface RowsBeforeHolds {
  team: TeamRow | null;
  keys: ApiKeyRow[];
}

/** One request's holds, placed in a group's transaction (afterHolds). */
export interface HoldStep {
  apiKeyId: string | null;
  now: Date;
  /** Its generation (a batch: the last one), for the payload. */
  generationId: string | null;
  /** What it held in total. */
  amountUsd: number;
}

/** The dollar side of a row's usage at `now` (readUsage without the counts). */
function dollarUsage(row: CountedTotals, now: Date): BudgetUsage {
  return { ...countedUsage(row, now), activeGenerations: 0, requestsInLastMinute: 0 };
}

/** WEBHOOK_BUDGET_THRESHOLDS: "80,100" -> [80, 100]; "none" -> []. null when unreadable. */
export function parseThresholds(text: string): number[] | null {
  const value = text.trim().toLowerCase();
  if (value === "none" || value === "off") return [];
  const parts = value.split(",").map((part) => part.trim().replace(/%$/, ""));
  if (parts.some((part) => !/^\d{1,4}$/.test(part))) return null;
  const numbers = parts.map(Number);
  if (numbers.some((n) => n < 1 || n > 1_000)) return null;
  return [...new Set(numbers)].sort((a, b) => a - b);
}
