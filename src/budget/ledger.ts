import type { Db, Tx } from "../db/client";
import { type BudgetKeyRow, type BudgetTeamRow, readBudgetRows } from "./budget-rows";
import { roundUsd } from "../money";
import { type CountedTotals, countedUsage } from "./counters";
import { GENERATION_STATUSES, TERMINAL_STATUSES } from "../generations/status";

/**
 * Budgets and the cost ledger.
 *
 * A team (and, below it, each of its keys) may have a dollar limit per calendar UTC day and
 * per calendar UTC month, a limit on generations in progress and on generations started per
 * minute (null: none). Before anything goes upstream, createGeneration estimates the cost
 * from the price table (prices.ts) and, in the same transaction as the generation row:
 *
 *   1. `lockTeamBudget`: locks the team row, so two requests of one team are checked one
 *      after the other (PostgreSQL: SELECT ... FOR NO KEY UPDATE; SQLite: nothing, every
 *      transaction begins IMMEDIATE and so holds the database's single write lock already,
 *      src/db/sqlite-adapter.ts);
 *   2. `assertBudgetFits`: refuses with BudgetExceededError unless the request fits every
 *      limit of the team and of the key; nothing is stored and nothing is sent;
 *   3. `placeHolds` (holds.ts): after the row is inserted, a HOLD entry of the estimate.
 *
 * When the cost becomes known the hold is closed, in the journal transition that records it
 * (holds.ts: `closeHold`, called by GenerationJournal.transition): SETTLE with Segmind's
 * reported cost (the transition into STORING carries `x-cost` / the v2 metrics), or, on a
 * final status without a reported cost, by the rules of `holdOutcome`: RELEASE when Segmind
 * provably did not bill it, SETTLE at the estimate when it did or may have.
 *
 * Entries are append-only and every amount is positive; `kind` says what it does. Spending in
 * a window is the sum of SETTLE entries written in it (a job is charged to the day its cost
 * became known); held is the sum of open holds (a HOLD without SETTLE/RELEASE), which counts
 * in full against the current day and month. Those sums are kept as running totals on the team
 * and key rows (counters.ts) in the same transactions, so a check never sums the ledger.
 */

/** What readUsage needs: a client or a transaction. */
type Reader = Pick<Tx, "generation">;

export type LedgerKind = "HOLD" | "SETTLE" | "RELEASE";
export type BudgetLimitName = "DAILY_USD" | "MONTHLY_USD" | "CONCURRENT" | "REQUESTS_PER_MINUTE";
export type BudgetScope = "TEAM" | "KEY";

export interface BudgetLimits {
  dailyLimitUsd: number | null;
  monthlyLimitUsd: number | null;
  maxConcurrent: number | null;
  requestsPerMinute: number | null;
}

export interface BudgetUsage {
  /** SETTLE entries written since 00:00 UTC today. */
  spentTodayUsd: number;
  /** SETTLE entries written since the first of this month, 00:00 UTC. */
  spentThisMonthUsd: number;
  /** Open holds: estimates of generations whose cost is not known yet. */
  heldUsd: number;
  /** Generations not in a final status. */
  activeGenerations: number;
  /** Generations created in the last 60 s. */
  requestsInLastMinute: number;
}

export interface BudgetWindows {
  dayStart: Date;
  dayEnd: Date;
  monthStart: Date;
  monthEnd: Date;
  minuteStart: Date;
}

/** Calendar UTC day and month, and the rolling minute, around `now`. */
export function budgetWindows(now: Date): BudgetWindows {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const d = now.getUTCDate();
  return {
    dayStart: new Date(Date.UTC(y, m, d)),
    dayEnd: new Date(Date.UTC(y, m, d + 1)),
    monthStart: new Date(Date.UTC(y, m, 1)),
    monthEnd: new Date(Date.UTC(y, m + 1, 1)),
    minuteStart: new Date(now.getTime() - 60_000),
  };
}


export function hasAnyLimit(limits: BudgetLimits): boolean {
  return (
    limits.dailyLimitUsd != null ||
    limits.monthlyLimitUsd != null ||
    limits.maxConcurrent != null ||
    limits.requestsPerMinute != null
  );
}

export interface BudgetExceededDetails {
  limit: BudgetLimitName;
  scope: BudgetScope;
  /** Dollars for DAILY_USD and MONTHLY_USD; a count for CONCURRENT and REQUESTS_PER_MINUTE. */
  limitValue: number;
  /** What already counts against the limit, this request excluded (same unit as limitValue). */
  used: number;
  /** Dollar limits: settled spending in the window. null for count limits. */
  spentUsd: number | null;
  /** Dollar limits: open holds. null for count limits. */
  heldUsd: number | null;
  /** This request's estimated cost (a batch: all of its generations together). */
  estimateUsd: number;
  /** Generations the request asked for: 1, or a batch's size (generateVideos). */
  generations: number;
  /** When the limit frees up by itself: the next UTC day or month, or when the oldest request leaves the minute. null for CONCURRENT. */
  resetsAt: Date | null;
}

/** A generation refused because it would not fit a budget; nothing was stored or sent. */
export class BudgetExceededError extends Error implements BudgetExceededDetails {
  override readonly name = "BudgetExceededError";
  readonly code = "BUDGET_EXCEEDED";
  readonly limit: BudgetLimitName;
  readonly scope: BudgetScope;
  readonly limitValue: number;
  readonly used: number;
  readonly spentUsd: number | null;
  readonly heldUsd: number | null;
  readonly estimateUsd: number;
  readonly generations: number;
  readonly resetsAt: Date | null;

  constructor(details: BudgetExceededDetails) {
    super(budgetMessage(details));
    this.limit = details.limit;
    this.scope = details.scope;
    this.limitValue = details.limitValue;
    this.used = details.used;
    this.spentUsd = details.spentUsd;
    this.heldUsd = details.heldUsd;
    this.estimateUsd = details.estimateUsd;
    this.generations = details.generations;
    this.resetsAt = details.resetsAt;
  }
}

function budgetMessage(d: BudgetExceededDetails): string {
  const who = d.scope === "TEAM" ? "The team" : "This API key";
  const usd = (amount: number | null) => `$${roundUsd(amount ?? 0)}`;
  const after = d.resetsAt ? ` It frees up at ${d.resetsAt.toISOString()}.` : "";
  const these = d.generations === 1 ? "this generation is" : `these ${d.generations} generations are`;
  const more = d.generations === 1 ? "" : `; this request adds ${d.generations}`;
  switch (d.limit) {
    case "DAILY_USD":
    case "MONTHLY_USD": {
      const window = d.limit === "DAILY_USD" ? "today (UTC)" : "this month (UTC)";
      const name = d.limit === "DAILY_USD" ? "daily" : "monthly";
      return `${who}'s ${name} budget of ${usd(d.limitValue)} would be exceeded: ${usd(d.spentUsd)} spent and ${usd(d.heldUsd)} held ${window}, and ${these} estimated at ${usd(d.estimateUsd)}.${after}`;
    }
    case "CONCURRENT":
      return `${who} may have at most ${d.limitValue} generation(s) in progress and has ${d.used}${more}; wait for one to finish.`;
    case "REQUESTS_PER_MINUTE":
      return `${who} may start at most ${d.limitValue} generation(s) per minute and started ${d.used} in the last 60 s${more}.${after}`;
  }
}

/**
 * First statement of createGeneration's transaction for a team's request: serialises budget
 * checks of one team (see the module comment). Keys are covered: a key belongs to one team.
 */
export async function lockTeamBudget(tx: Tx, provider: "sqlite" | "postgresql", teamId: string): Promise<void> {
  // SQLite: the transaction began IMMEDIATE (src/db/sqlite-adapter.ts): it holds the database's
  // one write lock, so no other writer of any team runs until it ends.
  if (provider !== "postgresql") return;
  // NO KEY UPDATE: conflicts with another check of this team, not with the foreign-key
  // locks that inserts of generations and ledger entries take on the team row.
  await tx.$queryRaw`SELECT 1 FROM "Team" WHERE "id" = ${teamId} FOR NO KEY UPDATE`;
}

/** Statuses named, not negated: the status index then finds the few unfinished rows directly. */
const ACTIVE = { in: GENERATION_STATUSES.filter((status) => !TERMINAL_STATUSES.has(status)) };

/**
 * Usage of a team and, when `key` is given, of that key, at `now`. Dollars come from the
 * rows' running totals (src/budget/counters.ts); the rest is two or four indexed counts over
 * unfinished generations and the last minute's: nothing grows with the team's history.
 */
export async function readUsage(
  db: Reader,
  team: CountedTotals & { id: string },
  key: (CountedTotals & { id: string }) | null,
  now: Date,
  /** Which counts to take (default both): a check skips those no limit of the team or key needs. */
  counts: { active: boolean; recent: boolean } = { active: true, recent: true },
): Promise<{ team: BudgetUsage; key: BudgetUsage | null }> {
  const windows = budgetWindows(now);
  const active = (owner: { teamId: string } | { apiKeyId: string }) =>
    counts.active ? db.generation.count({ where: { ...owner, status: ACTIVE } }) : 0;
  const recent = (owner: { teamId: string } | { apiKeyId: string }) =>
    counts.recent ? db.generation.count({ where: { ...owner, createdAt: { gte: windows.minuteStart } } }) : 0;
  const [teamActive, teamRecent, keyActive, keyRecent] = await Promise.all([
    active({ teamId: team.id }),
    recent({ teamId: team.id }),
    key ? active({ apiKeyId: key.id }) : 0,
    key ? recent({ apiKeyId: key.id }) : 0,
  ]);
  const usage = (totals: CountedTotals, activeGenerations: number, requestsInLastMinute: number): BudgetUsage => {
    const counted = countedUsage(totals, now);
    return {
      spentTodayUsd: counted.spentTodayUsd,
      spentThisMonthUsd: counted.spentThisMonthUsd,
      heldUsd: counted.heldUsd,
      activeGenerations,
      requestsInLastMinute,
    };
  };
  return { team: usage(team, teamActive, teamRecent), key: key ? usage(key, keyActive, keyRecent) : null };
}

/**
 * The first limit the request would break, or null when it fits all of them. `generations` is
 * how many generations the request starts (a batch's size) and `estimateUsd` their total.
 */
export function firstExceeded(
  scope: BudgetScope,
  limits: BudgetLimits,
  usage: BudgetUsage,
  estimateUsd: number,
  windows: BudgetWindows,
  generations = 1,
): BudgetExceededDetails | null {
  if (limits.maxConcurrent != null && usage.activeGenerations + generations > limits.maxConcurrent) {
    return {
      limit: "CONCURRENT",
      scope,
      limitValue: limits.maxConcurrent,
      used: usage.activeGenerations,
      spentUsd: null,
      heldUsd: null,
      estimateUsd,
      generations,
      resetsAt: null,
    };
  }
  if (limits.requestsPerMinute != null && usage.requestsInLastMinute + generations > limits.requestsPerMinute) {
    return {
      limit: "REQUESTS_PER_MINUTE",
      scope,
      limitValue: limits.requestsPerMinute,
      used: usage.requestsInLastMinute,
      spentUsd: null,
      heldUsd: null,
      estimateUsd,
      generations,
      resetsAt: null, // filled in by assertBudgetFits (one more query, only on a refusal)
    };
  }
  const dollars: Array<[BudgetLimitName, number | null, number, Date]> = [
    ["DAILY_USD", limits.dailyLimitUsd, usage.spentTodayUsd, windows.dayEnd],
    ["MONTHLY_USD", limits.monthlyLimitUsd, usage.spentThisMonthUsd, windows.monthEnd],
  ];
  for (const [limit, limitValue, spentUsd, resetsAt] of dollars) {
    if (limitValue == null) continue;
    const committed = roundUsd(spentUsd + usage.heldUsd);
    if (roundUsd(committed + estimateUsd) > roundUsd(limitValue)) {
      return { limit, scope, limitValue, used: committed, spentUsd, heldUsd: usage.heldUsd, estimateUsd, generations, resetsAt };
    }
  }
  return null;
}

export interface HoldRequest {
  provider: "sqlite" | "postgresql";
  teamId: string;
  apiKeyId: string | null;
  /** The request's estimated cost: a batch's total. */
  estimateUsd: number;
  now: Date;
  /** Generations the request starts (default 1; a batch: its size), checked together. */
  generations?: number;
}

/**
 * Refuses (BudgetExceededError) unless a generation of `estimateUsd` (or a batch of
 * `generations` costing `estimateUsd` together: all or nothing) fits every limit of the
 * team and of the key. Call inside createGeneration's transaction, right after
 * lockTeamBudget, before the row is inserted. Team limits are checked before key limits.
 */
export async function assertBudgetFits(tx: Tx, request: HoldRequest): Promise<void> {
  const [refusal] = await checkBudgets(tx, [request]);
  if (refusal) throw refusal;
}

/**
 * The verdict on several requests of ONE team, in turn, as if each were admitted after the
 * ones before it that fit: null (fits; counted before the next is checked) or the
 * BudgetExceededError it would get. Limits and usage are read once, under the team's lock.
 */
export async function checkBudgets(tx: Tx, requests: readonly HoldRequest[]): Promise<Array<BudgetExceededError | null>> {
  return (await checkBudgetsReading(tx, requests)).verdicts;
}

/** checkBudgets, and the team's and keys' rows it read (for the alerts of the holds that follow). */
export async function checkBudgetsReading(
  tx: Tx,
  requests: readonly HoldRequest[],
): Promise<{ verdicts: Array<BudgetExceededError | null>; rows: { team: BudgetTeamRow | null; keys: BudgetKeyRow[] } }> {
  const first = requests[0];
  if (!first) return { verdicts: [], rows: { team: null, keys: [] } };
  const keyIds = [...new Set(requests.map((request) => request.apiKeyId).filter((id): id is string => id !== null))];
  const rows = await readBudgetRows(tx, first.teamId, keyIds);
  const { team, keys } = rows;
  const limitedKeys = keys.filter(hasAnyLimit);
  if (!team || (!hasAnyLimit(team) && limitedKeys.length === 0)) return { verdicts: requests.map(() => null), rows };

  // Dollar limits read the rows' running totals; the counts run only for limits that need them.
  const counts = {
    active: [team, ...limitedKeys].some((row) => row.maxConcurrent != null),
    recent: [team, ...limitedKeys].some((row) => row.requestsPerMinute != null),
  };
  const usages = await Promise.all(
    (limitedKeys.length > 0 ? limitedKeys : [null]).map((key) => readUsage(tx, team, key, first.now, counts)),
  );
  const teamUsage = (usages[0] as { team: BudgetUsage }).team;
  const keyUsage = new Map(limitedKeys.map((key, index) => [key.id, { key, usage: usages[index]?.key as BudgetUsage }]));
  const windows = budgetWindows(first.now);

  const verdicts: Array<BudgetExceededError | null> = [];
  for (const request of requests) {
    const ofKey = request.apiKeyId ? keyUsage.get(request.apiKeyId) : undefined;
    const exceeded =
      firstExceeded("TEAM", team, teamUsage, request.estimateUsd, windows, request.generations) ??
      (ofKey ? firstExceeded("KEY", ofKey.key, ofKey.usage, request.estimateUsd, windows, request.generations) : null);
    if (exceeded) {
      if (exceeded.limit === "REQUESTS_PER_MINUTE") exceeded.resetsAt = await minuteResetsAt(tx, request, exceeded, windows);
      verdicts.push(new BudgetExceededError(exceeded));
      continue;
    }
    verdicts.push(null);
    for (const usage of [teamUsage, ofKey?.usage]) {
      if (!usage) continue;
      usage.heldUsd = roundUsd(usage.heldUsd + request.estimateUsd);
      usage.activeGenerations += request.generations ?? 1;
      usage.requestsInLastMinute += request.generations ?? 1;
    }
  }
  return { verdicts, rows };
}

/**
 * When a per-minute refusal ends: the count drops below the limit once the
 * (used - limit + 1)th oldest request of the minute is older than 60 s. One more query, only
 * on a refusal.
 */
async function minuteResetsAt(tx: Tx, request: HoldRequest, exceeded: BudgetExceededDetails, windows: BudgetWindows): Promise<Date | null> {
  const oldest = await tx.generation.findFirst({
    where: {
      teamId: request.teamId,
      ...(exceeded.scope === "KEY" ? { apiKeyId: request.apiKeyId } : {}),
      createdAt: { gte: windows.minuteStart },
    },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    skip: Math.max(0, exceeded.used - exceeded.limitValue),
    select: { createdAt: true },
  });
  return oldest ? new Date(oldest.createdAt.getTime() + 60_000) : null;
}


export interface BudgetView {
  limits: BudgetLimits;
  usage: BudgetUsage;
  windows: BudgetWindows;
}

/** The caller's team budget (and its key's), as `credits` shows it. */
export async function readBudgets(
  db: Db,
  teamId: string,
  apiKeyId: string | null,
  now: Date,
): Promise<{ team: { id: string; name: string; budget: BudgetView } | null; key: BudgetView | null }> {
  const [team, key] = await Promise.all([
    db.team.findUnique({ where: { id: teamId } }),
    apiKeyId ? db.apiKey.findUnique({ where: { id: apiKeyId } }) : null,
  ]);
  if (!team) return { team: null, key: null };
  const usage = await readUsage(db, team, key, now);
  const windows = budgetWindows(now);
  return {
    team: { id: team.id, name: team.name, budget: { limits: team, usage: usage.team, windows } },
    key: key && usage.key ? { limits: key, usage: usage.key, windows } : null,
  };
}
