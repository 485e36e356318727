import { encodeGlobalID } from "@pothos/plugin-relay";
import type { Tx } from "../db/client";
import { roundUsd } from "../money";
import type { WebhookOutbox } from "../webhooks/outbox";
import { type BudgetUsage, budgetWindows, lockTeamBudget, readUsage } from "./ledger";

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
    const thresholds = this.options.thresholdsPercent;
    if (thresholds.length === 0) return [];
    // The team's budget lock (ledger.ts): alerts of one team are checked one transaction at a time.
    if (!cause.teamLocked) await lockTeamBudget(tx, this.options.provider, cause.teamId);
    const [team, key] = await Promise.all([
      tx.team.findUnique({ where: { id: cause.teamId } }),
      cause.apiKeyId ? tx.apiKey.findUnique({ where: { id: cause.apiKeyId } }) : null,
    ]);
    if (!team) return [];
    const hasDollarLimit = (row: { dailyLimitUsd: number | null; monthlyLimitUsd: number | null } | null) =>
      row != null && (row.dailyLimitUsd != null || row.monthlyLimitUsd != null);
    const keyLimited = hasDollarLimit(key);
    if (!hasDollarLimit(team) && !keyLimited) return [];

    // The running totals on the rows just read (src/budget/counters.ts), this transaction's own change included.
    // Dollars only: no count of unfinished or recent generations.
    const usage = await readUsage(tx, team, keyLimited ? key : null, cause.now, { active: false, recent: false });
    const windows = budgetWindows(cause.now);
    const day = cause.now.toISOString().slice(0, 10);
    const month = day.slice(0, 7);
    type Crossing = { alertKey: string; scope: "TEAM" | "KEY"; window: Window; threshold: number; limitUsd: number; usage: BudgetUsage; spentUsd: number };
    const crossings: Crossing[] = [];
    const consider = (scope: "TEAM" | "KEY", id: string, limits: { dailyLimitUsd: number | null; monthlyLimitUsd: number | null }, u: BudgetUsage) => {
      const perWindow: Array<[Window, number | null, number, string]> = [
        ["DAILY", limits.dailyLimitUsd, u.spentTodayUsd, day],
        ["MONTHLY", limits.monthlyLimitUsd, u.spentThisMonthUsd, month],
      ];
      for (const [window, limitUsd, spentUsd, windowKey] of perWindow) {
        if (limitUsd == null || limitUsd <= 0) continue;
        const used = roundUsd(spentUsd + u.heldUsd);
        for (const threshold of thresholds) {
          if (used < roundUsd((limitUsd * threshold) / 100)) continue;
          crossings.push({ alertKey: `budget.threshold:${scope}:${id}:${window}:${windowKey}:${threshold}`, scope, window, threshold, limitUsd, usage: u, spentUsd });
        }
      }
    };
    consider("TEAM", team.id, team, usage.team);
    if (key && keyLimited && usage.key) consider("KEY", key.id, key, usage.key);
    if (crossings.length === 0) return [];

    const already = new Set(
      (await tx.webhookAlert.findMany({ where: { key: { in: crossings.map((c) => c.alertKey) } }, select: { key: true } })).map((row) => row.key),
    );
    const fresh = crossings.filter((crossing) => !already.has(crossing.alertKey));
    if (fresh.length === 0) return [];
    const deliveries: string[] = [];
    for (const crossing of fresh) {
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
        key: crossing.scope === "KEY" && key ? { id: key.id, prefix: key.prefix, name: key.name } : null,
        generationId: cause.generationId ? encodeGlobalID("Generation", cause.generationId) : null,
      };
      await tx.webhookAlert.create({
        data: { key: crossing.alertKey, type: "budget.threshold", teamId: team.id, details: JSON.stringify(data), createdAt: cause.now },
      });
      deliveries.push(...(await this.options.outbox.write(tx, { type: "budget.threshold", teamId: team.id, at: cause.now, data })));
    }
    return deliveries;
  }
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
