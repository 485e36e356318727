import type { GenerationVisibility } from "../auth/visibility";
import type { Clock } from "../clock";
import type { Db } from "../db/client";
import type { Logger } from "../logger";
import { roundUsd } from "../money";
import type { GatewayMetrics } from "../observability/metrics";
import { SegmindError, isSegmindError } from "../segmind/errors";
import type { SegmindClient } from "../segmind/types";
import type { UpstreamLimiter } from "../worker/limiter";
import type { LowBalanceAlerts } from "./low-balance";

export type CreditsFreshness = "LIVE" | "CACHED" | "STALE" | "UNAVAILABLE";

export interface BalanceReading {
  credits: number;
  freeCredits: number;
  readAt: Date;
}

export interface CreditsReport {
  upstream: string;
  balance: BalanceReading | null;
  /** LIVE: read for this request; CACHED: read within the TTL; STALE: the read failed, last known shown; UNAVAILABLE: none known. */
  freshness: CreditsFreshness;
  /** Why the live read failed, when it did (never contains the key). */
  upstreamError: { code: string; message: string } | null;
  lastRemainingCredits: { value: number; seenAt: Date; generationId: string } | null;
  spentUsd: number;
  billedGenerations: number;
}

export interface CreditsServiceDeps {
  db: Db;
  segmind: SegmindClient;
  clock: Clock;
  logger: Logger;
  upstream: string;
  cacheTtlMs: number;
  /**
   * How long a request waits for Segmind's balance before it is answered from the last known
   * one (STALE, or UNAVAILABLE when none is known) while the read goes on in the background
   * (CREDITS_READ_BUDGET_MS). 0 waits for the read itself (bounded by SEGMIND_TIMEOUT_MS).
   */
  readBudgetMs?: number;
  /**
   * The deployment's Segmind limiter (SEGMIND_MAX_RPM, 429 pauses). A balance read never waits
   * for it: without a permit the last known balance is served as STALE.
   */
  limiter?: Pick<UpstreamLimiter, "acquire" | "rateLimited" | "passed">;
  /** The balance gauge (src/observability/metrics.ts). */
  metrics?: Pick<GatewayMetrics, "segmindBalance">;
  /** credits.low webhooks: the reading and the alert in one transaction (src/credits/low-balance.ts). */
  lowBalance?: Pick<LowBalanceAlerts, "enabled" | "recordReading">;
}

/**
 * The Segmind balance, read through a short cache so a busy dashboard does not hammer
 * Segmind, and never an error for the caller: an outage falls back to the last balance
 * this gateway saw (kept in the database, so it survives restarts), marked STALE.
 */
export class CreditsService {
  private cached: BalanceReading | null = null;
  private inFlight: Promise<BalanceOutcome> | null = null;

  constructor(private readonly deps: CreditsServiceDeps) {}

  /**
   * The account's balance, and the spending of the generations `visibility` lets the caller
   * see (src/auth/visibility.ts): a team's own, only anonymous ones for an anonymous caller,
   * every team's for an admin key.
   */
  async report(visibility: GenerationVisibility): Promise<CreditsReport> {
    const [outcome, spent, lastRemaining] = await Promise.all([this.balance(), this.spent(visibility), this.lastRemaining()]);
    return { upstream: this.deps.upstream, ...outcome, ...spent, lastRemainingCredits: lastRemaining };
  }

  private async balance(): Promise<BalanceOutcome> {
    const now = this.deps.clock.now().getTime();
    if (this.cached && now - this.cached.readAt.getTime() < this.deps.cacheTtlMs) {
      return { balance: this.cached, freshness: "CACHED", upstreamError: null };
    }
    // Concurrent requests share one upstream read, and it outlives a request that stops
    // waiting for it: its answer fills the cache for the next one.
    this.inFlight ??= this.readLive().finally(() => {
      this.inFlight = null;
    });
    const budgetMs = this.deps.readBudgetMs ?? 0;
    if (budgetMs <= 0) return this.inFlight;
    let timer: NodeJS.Timeout | undefined;
    const outOfTime = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), budgetMs);
    });
    const outcome = await Promise.race([this.inFlight, outOfTime]);
    clearTimeout(timer);
    return (
      outcome ??
      this.lastKnown({
        code: "TIMEOUT",
        message: `Segmind did not send the balance within ${budgetMs} ms (CREDITS_READ_BUDGET_MS); the read goes on in the background`,
      })
    );
  }

  /**
   * Waits for a balance read still in flight (it may outlive the request that began it), so
   * the database closes after it. Not aborted: a `credits` request still being answered while
   * HTTP drains gets its balance; the read is bounded by SEGMIND_TIMEOUT_MS.
   */
  async stop(): Promise<void> {
    await this.inFlight;
  }

  /** The last balance this gateway saw (this process, or persisted by an earlier one). */
  private async lastKnown(upstreamError: NonNullable<CreditsReport["upstreamError"]>): Promise<BalanceOutcome> {
    const last = this.cached ?? (await this.lastSnapshot());
    return last
      ? { balance: last, freshness: "STALE", upstreamError }
      : { balance: null, freshness: "UNAVAILABLE", upstreamError };
  }

  private async readLive(): Promise<BalanceOutcome> {
    try {
      if (this.deps.limiter && !(await this.deps.limiter.acquire("credits")).granted) {
        throw new SegmindError({
          kind: "RATE_LIMITED",
          message: "Not read now, to keep the gateway under Segmind's rate limit (SEGMIND_MAX_RPM, or a 429 pause)",
        });
      }
      const { credits, freeCredits } = await this.deps.segmind.getCredits();
      this.deps.limiter?.passed();
      const reading = { credits, freeCredits, readAt: this.deps.clock.now() };
      this.cached = reading;
      this.deps.metrics?.segmindBalance(credits);
      if (this.deps.lowBalance?.enabled) await this.deps.lowBalance.recordReading(this.deps.db, reading);
      else await this.deps.db.creditSnapshot.create({ data: { upstream: this.deps.upstream, ...reading } });
      return { balance: reading, freshness: "LIVE", upstreamError: null };
    } catch (error) {
      if (isSegmindError(error) && error.httpStatus === 429) await this.deps.limiter?.rateLimited(error.resetAt);
      const upstreamError = isSegmindError(error)
        ? { code: error.kind, message: error.message }
        : { code: "INTERNAL", message: "The balance could not be read" };
      this.deps.logger.warn("credits read failed; serving last known balance", { upstreamError });
      return this.lastKnown(upstreamError);
    }
  }

  private async lastSnapshot(): Promise<BalanceReading | null> {
    const row = await this.deps.db.creditSnapshot.findFirst({
      where: { upstream: this.deps.upstream },
      orderBy: { readAt: "desc" },
    });
    return row ? { credits: row.credits, freeCredits: row.freeCredits, readAt: row.readAt } : null;
  }

  private async spent(visibility: GenerationVisibility): Promise<{ spentUsd: number; billedGenerations: number }> {
    const totals = await this.deps.db.generation.aggregate({
      where: { upstream: this.deps.upstream, costUsd: { not: null }, ...visibility },
      _sum: { costUsd: true },
      _count: { costUsd: true },
    });
    return {
      spentUsd: roundUsd(totals._sum.costUsd ?? 0),
      billedGenerations: totals._count.costUsd,
    };
  }

  private async lastRemaining(): Promise<CreditsReport["lastRemainingCredits"]> {
    // Segmind reports the balance with each result, which the transition into STORING
    // records; the event sequence orders sightings exactly, where timestamps can tie.
    const sighting = await this.deps.db.generationEvent.findFirst({
      where: {
        toStatus: "STORING",
        generation: { upstream: this.deps.upstream, remainingCreditsUsd: { not: null } },
      },
      orderBy: { id: "desc" },
      select: { createdAt: true, generation: { select: { id: true, remainingCreditsUsd: true } } },
    });
    const value = sighting?.generation.remainingCreditsUsd;
    return sighting && value != null
      ? { value, seenAt: sighting.createdAt, generationId: sighting.generation.id }
      : null;
  }
}

type BalanceOutcome = Pick<CreditsReport, "balance" | "freshness" | "upstreamError">;
