import type { Redis } from "ioredis";
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import type { Clock } from "../clock";
import { backoffDelayMs } from "./backoff";

/**
 * Keeps every keyed Segmind call of the whole deployment under the account's limit.
 *
 * Segmind documents 5 requests per minute on free plans and 50 on Pro, per account, and signals
 * an overrun only with 429 and `x-rate-limit-reset-at-utc`, the moment its window ends. So:
 *
 * - `SEGMIND_MAX_RPM` permits per UTC clock minute (the window a reset time names), counted in
 *   one place for every instance: Redis when REDIS_URL is set, this process otherwise. Which
 *   calls count is `SEGMIND_RPM_SCOPE`: every keyed call (submit, status, result, credits; the
 *   default, since Segmind does not say) or only submits. Output downloads carry no key.
 * - After a 429 every instance holds every keyed call until the reset time (or a growing
 *   backoff when Segmind named none): the pause is stored where the permits are.
 * - A permit is never waited for: `acquire` says "now" or "ask again at T", and the worker
 *   reschedules the step instead of holding a slot (credits fall back to the last balance).
 *
 * The counting is rate-limiter-flexible's (RateLimiterMemory / RateLimiterRedis), with one
 * key per clock minute so its fixed window is exactly the clock minute. A call in the last
 * second of a minute counts in the next minute too: it may arrive there.
 */
export type UpstreamCallKind = "submit" | "status" | "result" | "credits";
export type RpmScope = "all" | "submits";

export type Permit = { granted: true } | { granted: false; retryAt: Date };

export interface UpstreamLimiter {
  acquire(kind: UpstreamCallKind): Promise<Permit>;
  /** Gives back a permit that was not used (the call was not made after all). */
  release(kind: UpstreamCallKind): Promise<void>;
  /** Segmind answered 429: hold every keyed call until `resetAt` (or a backoff). Returns when. */
  rateLimited(resetAt?: Date): Promise<Date>;
  /** A keyed call went through without a 429: the next 429 without a reset time backs off afresh. */
  passed(): void;
  /** When keyed calls may go again after a 429, or null when they may now. */
  closedUntil(): Promise<Date | null>;
  readonly maxPerMinute: number;
}

export interface LimiterOptions {
  /** Permits per window; 0 = no cap (429 pauses still apply). */
  maxPerMinute: number;
  scope: RpmScope;
  clock: Clock;
  /** Where the counts live: a Redis connection shared by every instance, or this process. */
  redis?: { client: Redis; keyPrefix: string };
  /** Base of the backoff after a 429 without a reset time. */
  backoffBaseMs?: number;
  /** A reset time further away than this is not believed (a clock or header gone wrong). */
  maxPauseMs?: number;
  /** The window; Segmind's is a minute (tests may shorten it). Whole seconds. */
  windowMs?: number;
}

export function createUpstreamLimiter(options: LimiterOptions): UpstreamLimiter {
  return new WindowLimiter(options);
}

const PAUSE_KEY = "pause";

class WindowLimiter implements UpstreamLimiter {
  private readonly windowMs: number;
  private readonly permits: RateLimiterAbstract | null;
  private readonly pause: RateLimiterAbstract;
  /** This instance's own view of the pause, exact to the millisecond. */
  private localPauseUntilMs = 0;
  private consecutiveRateLimits = 0;

  constructor(private readonly options: LimiterOptions) {
    this.windowMs = options.windowMs ?? 60_000;
    const make = (keyPrefix: string, points: number, duration: number) =>
      options.redis
        ? new RateLimiterRedis({
            storeClient: options.redis.client,
            keyPrefix: `${options.redis.keyPrefix}:${keyPrefix}`,
            points,
            duration,
          })
        : new RateLimiterMemory({ keyPrefix, points, duration });
    this.permits = options.maxPerMinute > 0 ? make("segmind-rpm", options.maxPerMinute, this.windowMs / 1_000) : null;
    this.pause = make("segmind-429", 1, 0);
  }

  get maxPerMinute(): number {
    return this.options.maxPerMinute;
  }

  async acquire(kind: UpstreamCallKind): Promise<Permit> {
    const closed = await this.closedUntil();
    if (closed) return { granted: false, retryAt: closed };
    if (!this.permits || !this.counts(kind)) return { granted: true };
    const windows = this.windowsOfACallNow();
    const taken: number[] = [];
    for (const window of windows) {
      try {
        await this.permits.consume(String(window));
        taken.push(window);
      } catch (refusal) {
        if (!(refusal instanceof RateLimiterRes)) throw refusal;
        for (const back of taken) await this.permits.reward(String(back));
        return { granted: false, retryAt: new Date((window + 1) * this.windowMs) };
      }
    }
    return { granted: true };
  }

  async release(kind: UpstreamCallKind): Promise<void> {
    if (!this.permits || !this.counts(kind)) return;
    for (const window of this.windowsOfACallNow()) await this.permits.reward(String(window));
  }

  async rateLimited(resetAt?: Date): Promise<Date> {
    const now = this.now();
    this.consecutiveRateLimits += 1;
    const maxPauseMs = this.options.maxPauseMs ?? 10 * this.windowMs;
    const until =
      resetAt && resetAt.getTime() > now
        ? Math.min(resetAt.getTime(), now + maxPauseMs)
        : now + backoffDelayMs(this.consecutiveRateLimits, { baseMs: this.options.backoffBaseMs ?? 1_000, capMs: this.windowMs });
    this.localPauseUntilMs = Math.max(this.localPauseUntilMs, until);
    // Shared with every instance; whole seconds, rounded up, so nobody goes before the reset.
    const shared = await this.pause.get(PAUSE_KEY);
    if (!shared || shared.consumedPoints <= 1 || shared.msBeforeNext < until - now) {
      await this.pause.block(PAUSE_KEY, Math.ceil((until - now) / 1_000));
    }
    return new Date(this.localPauseUntilMs);
  }

  passed(): void {
    this.consecutiveRateLimits = 0;
  }

  async closedUntil(): Promise<Date | null> {
    const now = this.now();
    let until = this.localPauseUntilMs;
    const shared = await this.pause.get(PAUSE_KEY);
    if (shared && shared.consumedPoints > 1 && shared.msBeforeNext > 0) until = Math.max(until, now + shared.msBeforeNext);
    return until > now ? new Date(until) : null;
  }

  private counts(kind: UpstreamCallKind): boolean {
    return this.options.scope === "all" || kind === "submit";
  }

  /**
   * The windows a call made now counts in. Near the end of a window the call may reach Segmind
   * in the next one (latency, clock skew), so there it takes a permit of both.
   */
  private windowsOfACallNow(): number[] {
    const now = this.now();
    const window = Math.floor(now / this.windowMs);
    const guardMs = Math.min(1_000, this.windowMs / 20);
    return (window + 1) * this.windowMs - now <= guardMs ? [window, window + 1] : [window];
  }

  private now(): number {
    return this.options.clock.now().getTime();
  }
}
