import type { BalanceReading, CreditsReport } from "../credits/service";
import { requireScope } from "../auth/principal";
import { visibleTo } from "../auth/visibility";
import { SPENDING_BY_TAG_LIMIT, type TagSpending, spendingByTag } from "../credits/by-tag";
import { builder } from "./builder";

const FreshnessEnum = builder.enumType("CreditsFreshness", {
  description: "How current `Credits.balance` is.",
  values: {
    LIVE: { description: "Read from Segmind for this request." },
    CACHED: { description: "Read from Segmind moments ago (within CREDITS_CACHE_TTL_MS)." },
    STALE: { description: "Segmind could not be read now; this is the last balance the gateway saw." },
    UNAVAILABLE: { description: "Segmind could not be read and no earlier balance is known." },
  } as const,
});

const BalanceRef = builder.objectRef<BalanceReading>("CreditBalance").implement({
  description: "Segmind's `GET /v1/get-user-credits`, in dollars.",
  fields: (t) => ({
    credits: t.exposeFloat("credits", { description: "Paid credits left, in dollars." }),
    freeCredits: t.exposeFloat("freeCredits", { description: "Free credits left, in dollars (spent first)." }),
    readAt: t.field({ type: "DateTime", description: "When Segmind was asked.", resolve: (balance) => balance.readAt }),
  }),
});

const UpstreamProblemRef = builder
  .objectRef<NonNullable<CreditsReport["upstreamError"]>>("UpstreamProblem")
  .implement({
    description: "Why the gateway could not read Segmind's balance now.",
    fields: (t) => ({
      code: t.exposeString("code", {
        description: "How the read failed, e.g. UNAUTHORIZED, RATE_LIMITED, SERVER_ERROR, CONNECT_FAILED, TIMEOUT.",
      }),
      message: t.exposeString("message", { description: "The failure in words (never the key)." }),
    }),
  });

const TagSpendingRef = builder.objectRef<TagSpending>("TagSpending").implement({
  description:
    "What the caller's generations carrying one tag cost: settled amounts (Segmind's reported cost, or the estimate when it billed without reporting one) in the calendar UTC day and month, as budgets count them.",
  fields: (t) => ({
    tag: t.exposeString("tag", { description: "The tag." }),
    spentTodayUsd: t.exposeFloat("spentTodayUsd", { description: "Settled since 00:00 UTC today." }),
    spentThisMonthUsd: t.exposeFloat("spentThisMonthUsd", { description: "Settled since the 1st, 00:00 UTC." }),
    generations: t.exposeInt("generations", { description: "Generations with the tag whose cost was settled this month." }),
  }),
});

export const CreditsRef = builder.objectRef<CreditsReport>("Credits").implement({
  description: "What the Segmind account has left, and what the caller's generations have spent.",
  fields: (t) => ({
    upstream: t.exposeString("upstream", { description: '"sandbox" or "segmind".' }),
    balance: t.field({
      type: BalanceRef,
      nullable: true,
      description: "The account's balance (possibly the last one seen: see freshness); null when none was ever read.",
      resolve: (report) => report.balance,
    }),
    freshness: t.field({ type: FreshnessEnum, description: "How current `balance` is.", resolve: (report) => report.freshness }),
    upstreamError: t.field({
      type: UpstreamProblemRef,
      nullable: true,
      description: "Why the live read failed, when it did.",
      resolve: (report) => report.upstreamError,
    }),
    lastRemainingCredits: t.float({
      nullable: true,
      description: "The last `x-remaining-credits` (or v2 remaining_credits) Segmind reported on a generation.",
      resolve: (report) => report.lastRemainingCredits?.value ?? null,
    }),
    lastRemainingCreditsAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When Segmind reported lastRemainingCredits.",
      resolve: (report) => report.lastRemainingCredits?.seenAt ?? null,
    }),
    spentUsd: t.exposeFloat("spentUsd", {
      description:
        "Sum of the costs Segmind reported for the caller's generations: its team's (every team's for an admin key; anonymous callers: anonymous generations).",
    }),
    billedGenerations: t.exposeInt("billedGenerations", {
      description: "The caller's generations with a recorded cost (its team's; every team's for an admin key).",
    }),
    spendingByTag: t.field({
      type: [TagSpendingRef],
      description: `Spending grouped by tag this UTC month (and today), the caller's team's only (every team's for an admin key; empty for anonymous callers); a generation with several tags counts under each. Biggest first, at most ${SPENDING_BY_TAG_LIMIT} tags.`,
      resolve: (_report, _args, context) =>
        spendingByTag(context.services.db, visibleTo(context.principal), context.services.clock.now()),
    }),
  }),
});

builder.queryField("credits", (t) =>
  t.field({
    type: CreditsRef,
    description: "Never fails for an upstream outage: see `freshness`.",
    resolve: (_root, _args, context) => {
      requireScope(context.principal, "read");
      return context.services.credits.report(visibleTo(context.principal));
    },
  }),
);
