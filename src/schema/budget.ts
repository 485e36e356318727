import { requireScope } from "../auth/principal";
import { type BudgetView, BudgetExceededError, readBudgets } from "../budget/ledger";
import { estimateCostUsd } from "../budget/prices";
import type { Duration, Resolution } from "../generations/status";
import { InvalidInputError, durationProblem } from "../generations/validation";
import { roundUsd } from "../money";
import { type LedgerEntryRow, listLedger } from "../budget/list";
import type { GatewayContext } from "../context";
import type { CreditsReport } from "../credits/service";
import { builder } from "./builder";
import { CreditsRef } from "./credits";
import { ErrorInterface } from "./errors";
import { GenerationRef, ResolutionEnum, generationIdFrom } from "./generation";

const BudgetLimitEnum = builder.enumType("BudgetLimit", {
  description: "Which limit a generation would have broken.",
  values: {
    DAILY_USD: { description: "Dollars per calendar UTC day (settled + held)." },
    MONTHLY_USD: { description: "Dollars per calendar UTC month (settled + held)." },
    CONCURRENT: { description: "Generations in progress (not in a final status)." },
    REQUESTS_PER_MINUTE: { description: "Generations started in the last 60 seconds." },
  } as const,
});

const BudgetScopeEnum = builder.enumType("BudgetScope", {
  description: "Whose limit it is.",
  values: {
    TEAM: { description: "The limit is the team's (shared by all its keys)." },
    KEY: { description: "The limit is the calling API key's own." },
  } as const,
});

builder.objectType(BudgetExceededError, {
  name: "BudgetExceededError",
  description: "The generation would not fit a budget or limit; nothing was stored or sent upstream.",
  interfaces: [ErrorInterface],
  fields: (t) => ({
    limit: t.field({ type: BudgetLimitEnum, description: "Which limit it would break.", resolve: (error) => error.limit }),
    scope: t.field({ type: BudgetScopeEnum, description: "Whose limit: the team's or the key's.", resolve: (error) => error.scope }),
    limitValue: t.exposeFloat("limitValue", {
      description: "The limit: dollars for DAILY_USD and MONTHLY_USD, a count for CONCURRENT and REQUESTS_PER_MINUTE.",
    }),
    used: t.exposeFloat("used", {
      description: "What already counts against the limit, this request excluded (dollars spent + held, or a count).",
    }),
    spentUsd: t.exposeFloat("spentUsd", { nullable: true, description: "Dollar limits: settled in the window." }),
    heldUsd: t.exposeFloat("heldUsd", { nullable: true, description: "Dollar limits: held for generations still running." }),
    estimateUsd: t.exposeFloat("estimateUsd", {
      description: "The request's estimated cost (PRICE_TABLE_USD); for generateVideos, every item's together.",
    }),
    requestedGenerations: t.exposeInt("generations", {
      description: "Generations the refused request asked for: 1, or the batch's size (generateVideos refuses a batch whole).",
    }),
    resetsAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When the limit frees up by itself (next UTC day or month; the minute moving on); null for CONCURRENT.",
      resolve: (error) => error.resetsAt,
    }),
  }),
});

const BudgetRef = builder.objectRef<BudgetView>("Budget").implement({
  description:
    "Limits and what counts against them. Spending is what Segmind's reported costs (or, when it reported none, the estimates) settled in the calendar UTC day or month; held is the estimate of every generation whose cost is not known yet, and counts against today and this month in full.",
  fields: (t) => ({
    dailyLimitUsd: t.float({ nullable: true, description: "null: no daily limit.", resolve: (b) => b.limits.dailyLimitUsd }),
    monthlyLimitUsd: t.float({ nullable: true, description: "null: no monthly limit.", resolve: (b) => b.limits.monthlyLimitUsd }),
    spentTodayUsd: t.float({ description: "Settled since 00:00 UTC.", resolve: (b) => b.usage.spentTodayUsd }),
    spentThisMonthUsd: t.float({ description: "Settled since the 1st, 00:00 UTC.", resolve: (b) => b.usage.spentThisMonthUsd }),
    heldUsd: t.float({ description: "Held for generations whose cost is not known yet.", resolve: (b) => b.usage.heldUsd }),
    remainingTodayUsd: t.float({
      nullable: true,
      description: "dailyLimitUsd − spentTodayUsd − heldUsd (not below 0); null without a daily limit.",
      resolve: (b) => remaining(b.limits.dailyLimitUsd, b.usage.spentTodayUsd, b.usage.heldUsd),
    }),
    remainingThisMonthUsd: t.float({
      nullable: true,
      description: "monthlyLimitUsd − spentThisMonthUsd − heldUsd (not below 0); null without a monthly limit.",
      resolve: (b) => remaining(b.limits.monthlyLimitUsd, b.usage.spentThisMonthUsd, b.usage.heldUsd),
    }),
    maxConcurrent: t.int({ nullable: true, description: "null: no limit.", resolve: (b) => b.limits.maxConcurrent }),
    activeGenerations: t.int({ description: "Generations not in a final status.", resolve: (b) => b.usage.activeGenerations }),
    requestsPerMinute: t.int({
      nullable: true,
      description: "Most generations started per 60 s; null: no limit.",
      resolve: (b) => b.limits.requestsPerMinute,
    }),
    requestsInLastMinute: t.int({ description: "Generations started in the last 60 s.", resolve: (b) => b.usage.requestsInLastMinute }),
    dayResetsAt: t.field({ type: "DateTime", description: "The next 00:00 UTC.", resolve: (b) => b.windows.dayEnd }),
    monthResetsAt: t.field({ type: "DateTime", description: "The 1st of next month, 00:00 UTC.", resolve: (b) => b.windows.monthEnd }),
  }),
});

function remaining(limit: number | null, spent: number, held: number): number | null {
  return limit == null ? null : Math.max(0, roundUsd(limit - spent - held));
}

const TeamRef = builder.objectRef<{ id: string; name: string; budget: BudgetView }>("Team").implement({
  description: "The caller's team.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "The team's id." }),
    name: t.exposeString("name", { description: "The team's name (`npm run keys -- team create <name>`)." }),
    budget: t.field({ type: BudgetRef, description: "Its limits and what counts against them now.", resolve: (team) => team.budget }),
  }),
});

const LedgerKindEnum = builder.enumType("LedgerEntryKind", {
  description: "What a ledger entry does to a hold.",
  values: {
    HOLD: { description: "The estimate, held when the generation was accepted." },
    SETTLE: { description: "Closes the hold at what Segmind charged (see basis)." },
    RELEASE: { description: "Closes the hold with nothing charged: Segmind did not bill it." },
  } as const,
});

const SettlementBasisEnum = builder.enumType("LedgerBasis", {
  description: "What a ledger entry's amount is based on.",
  values: {
    ESTIMATE: {
      description:
        "The price table's estimate: every HOLD, and a SETTLE when Segmind billed (or may have billed) the job without reporting its cost.",
    },
    REPORTED_COST: { description: "A SETTLE at the cost Segmind reported (x-cost or the v2 metrics)." },
    UNBILLED: { description: "A RELEASE: Segmind billed nothing." },
  } as const,
});

const LedgerEntryRef = builder.objectRef<LedgerEntryRow>("LedgerEntry").implement({
  description: "One money movement of a team's budget; append-only, amounts always positive.",
  fields: (t) => ({
    id: t.id({ description: "The entry's id (increasing).", resolve: (entry) => String(entry.id) }),
    kind: t.field({
      type: LedgerKindEnum,
      description: "HOLD, SETTLE or RELEASE.",
      resolve: (entry) => entry.kind as "HOLD" | "SETTLE" | "RELEASE",
    }),
    amountUsd: t.exposeFloat("amountUsd", { description: "Dollars, always positive; `kind` says which way it moves." }),
    at: t.field({ type: "DateTime", description: "When it was written.", resolve: (entry) => entry.createdAt }),
    teamId: t.exposeID("teamId", { description: "The team whose budget it moves." }),
    apiKeyId: t.exposeID("apiKeyId", { nullable: true, description: "The key that asked for the generation." }),
    generationId: t.globalID({
      description: "The generation's global id (even when the generation is not visible to the caller).",
      resolve: (entry) => ({ type: "Generation", id: entry.generationId }),
    }),
    generation: t.field({
      type: GenerationRef,
      nullable: true,
      description: "The generation it is for; null when the caller may not see it.",
      resolve: (entry, _args, context) => context.loaders.generationById.load(entry.generationId),
    }),
    basis: t.field({
      type: SettlementBasisEnum,
      description: "What the amount is.",
      resolve: async (entry, _args, context) => {
        if (entry.kind === "HOLD") return "ESTIMATE";
        if (entry.kind === "RELEASE") return "UNBILLED";
        // A hold is settled to the reported cost exactly when one was recorded (src/budget/holds.ts).
        const generation = await context.loaders.generationById.load(entry.generationId);
        return generation?.costUsd != null ? "REPORTED_COST" : "ESTIMATE";
      },
    }),
  }),
});

/** The caller's team and key budgets, read once per `credits` however many fields ask. */
const budgetsByReport = new WeakMap<CreditsReport, ReturnType<typeof readBudgets>>();

function budgetsFor(report: CreditsReport, context: GatewayContext) {
  const { teamId, keyId } = context.principal;
  if (!teamId) return Promise.resolve({ team: null, key: null });
  let budgets = budgetsByReport.get(report);
  if (!budgets) {
    budgets = readBudgets(context.services.db, teamId, keyId, context.services.clock.now());
    budgetsByReport.set(report, budgets);
  }
  return budgets;
}

builder.objectFields(CreditsRef, (t) => ({
  team: t.field({
    type: TeamRef,
    nullable: true,
    description: "The caller's team and its budget; null for anonymous callers (they have no budget).",
    resolve: async (report, _args, context) => (await budgetsFor(report, context)).team,
  }),
  keyBudget: t.field({
    type: BudgetRef,
    nullable: true,
    description: "The calling API key's own limits (below the team's) and its usage; null for anonymous callers.",
    resolve: async (report, _args, context) => (await budgetsFor(report, context)).key,
  }),
  ledger: t.connection(
    {
      type: LedgerEntryRef,
      description:
        "The caller's team's ledger, newest first: a HOLD per accepted generation, then a SETTLE or RELEASE. Admin keys see every team's (or one team's with `teamId`).",
      args: {
        teamId: t.arg.id({ description: "Admin only: one team's entries." }),
        generationId: t.arg.id({ description: "One generation's entries (its global id or raw UUID)." }),
      },
      resolve: (_report, args, context) =>
        listLedger(context, {
          ...args,
          teamId: args.teamId == null ? null : String(args.teamId),
          generationId: args.generationId == null ? null : generationIdFrom(String(args.generationId)),
        }),
    },
    {
      name: "LedgerConnection",
      description: "A page of ledger entries (Relay cursor connection).",
      fields: (c) => ({
        totalCount: c.int({
          description: "Entries matching, across all pages.",
          resolve: (connection) => (connection as unknown as { totalCount: () => Promise<number> }).totalCount(),
        }),
      }),
    },
    { name: "LedgerEdge", description: "One ledger entry in a page, with its cursor." },
  ),
}));

const CostEstimateRef = builder
  .objectRef<{ duration: Duration; resolution: Resolution; estimateUsd: number }>("CostEstimate")
  .implement({
    description: "What one generation of a shape is expected to cost: the hold generateVideo would place.",
    fields: (t) => ({
      duration: t.exposeInt("duration", { description: "Seconds." }),
      resolution: t.field({ type: ResolutionEnum, description: "The video's size.", resolve: (estimate) => estimate.resolution }),
      estimateUsd: t.exposeFloat("estimateUsd", {
        description: "Dollars, from the price table (PRICE_TABLE_USD); Segmind's reported cost settles it afterwards.",
      }),
    }),
  });

builder.queryField("estimateCost", (t) =>
  t.field({
    type: CostEstimateRef,
    description:
      "The cost estimate of a generation of this shape, before submitting it (compare with credits.team.budget). Changes nothing.",
    args: {
      duration: t.arg.int({ required: true, description: "Seconds: 5 or 10." }),
      resolution: t.arg({ type: ResolutionEnum, required: true, description: "The video's size." }),
    },
    errors: {
      types: [InvalidInputError],
      directResult: true,
      union: { name: "EstimateCostResult", description: "CostEstimate, or InvalidInputError for a shape that does not exist." },
    },
    resolve: (_root, { duration, resolution }, context) => {
      requireScope(context.principal, "read");
      const problem = durationProblem(duration);
      if (problem) throw new InvalidInputError([{ field: "duration", message: problem }]);
      const shape = { duration: duration as Duration, resolution };
      return { ...shape, estimateUsd: estimateCostUsd(context.services.prices, resolution, shape.duration) };
    },
  }),
);
