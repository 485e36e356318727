import type { Clock } from "../clock";
import { backoffDelayMs } from "./backoff";

/**
 * Keeps the gateway under Segmind's requests-per-minute limit, for the whole process.
 *
 * Segmind documents 5 RPM on free plans and 50 on Pro, per account and across every API call
 * (its docs do not split the budget by endpoint), and signals an overrun only with 429 and
 * `x-rate-limit-reset-at-utc`. So every keyed request (submit, v1 sync, status, result,
 * credits) takes a permit here first; output downloads go to Segmind's file storage without
 * the key and are not counted.
 *
 * - `maxPerMinute` (SEGMIND_MAX_RPM): at most that many permits in any rolling minute; 0 means
 *   no cap (the 429 rule below still applies).
 * - After a 429 the gate closes for everyone until the reset time Segmind gave (or a backoff
 *   when it gave none), instead of letting each generation burn its own retries.
 * - Waiters are served first come, first served. No kind of request goes first: pollers
 *   re-queue after every poll, so "polls first" would starve submits for as long as any job
 *   runs, and "submits first" could delay the polls of billed jobs toward Segmind's one-hour
 *   record expiry. In order, each waits for at most the requests of the other drives
 *   (at most WORKER_CONCURRENCY). Credits reads never wait (`tryAcquire`).
 */

export interface RateGateOptions {
  maxPerMinute: number;
  clock: Clock;
  /** Base of the backoff after a 429 without a reset time. */
  backoffBaseMs?: number;
  /** A reset time further away than this is not believed (a clock or header gone wrong). */
  maxCloseMs?: number;
  /** The rolling window; Segmind's is a minute (shorter only in tests). */
  windowMs?: number;
}

interface Waiter {
  resolve: () => void;
  reject: (reason: unknown) => void;
}

export class RateGate {
  /** Grant times within the last minute, oldest first. */
  private readonly grants: number[] = [];
  private readonly waiters: Waiter[] = [];
  private closedUntilMs = 0;
  private consecutiveRateLimits = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = 0;

  private readonly windowMs: number;

  constructor(private readonly options: RateGateOptions) {
    this.windowMs = options.windowMs ?? 60_000;
  }

  get maxPerMinute(): number {
    return this.options.maxPerMinute;
  }

  /** When the gate reopens after a 429, or null when it is open. */
  closedUntil(): Date | null {
    return this.closedUntilMs > this.now() ? new Date(this.closedUntilMs) : null;
  }

  /** Requests waiting for a permit right now. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Resolves when a request may go out (and counts it); rejects when `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.waiters.length === 0 && this.delayMs() === 0) {
      this.grant();
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
        reject,
      };
      const onAbort = () => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(signal?.reason);
        this.schedule();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
      this.schedule();
    });
  }

  /** A permit now or never: for callers that have a fallback (credits serve the last balance). */
  tryAcquire(): boolean {
    if (this.waiters.length > 0 || this.delayMs() > 0) return false;
    this.grant();
    return true;
  }

  /** Gives back a permit that was not used (the request was not sent after all). */
  release(): void {
    this.grants.pop();
    this.schedule();
  }

  /**
   * Segmind answered 429: close for everyone until `resetAt`, or a growing backoff with
   * jitter when it named no time. Returns when the gate reopens.
   */
  rateLimited(resetAt?: Date): Date {
    const now = this.now();
    this.consecutiveRateLimits += 1;
    const maxCloseMs = this.options.maxCloseMs ?? 10 * this.windowMs;
    const until =
      resetAt && resetAt.getTime() > now
        ? Math.min(resetAt.getTime(), now + maxCloseMs)
        : now + backoffDelayMs(this.consecutiveRateLimits, { baseMs: this.options.backoffBaseMs ?? 1_000, capMs: this.windowMs });
    this.closedUntilMs = Math.max(this.closedUntilMs, until);
    this.schedule();
    return new Date(this.closedUntilMs);
  }

  /** A request went through without a 429: the next 429 starts the backoff afresh. */
  passed(): void {
    this.consecutiveRateLimits = 0;
  }

  /** Rejects every waiter (the worker is stopping). */
  close(reason: unknown): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const waiter of this.waiters.splice(0)) waiter.reject(reason);
  }

  private now(): number {
    return this.options.clock.now().getTime();
  }

  /** How long until one more request may go; 0 when it may go now. */
  private delayMs(): number {
    const now = this.now();
    let delay = Math.max(0, this.closedUntilMs - now);
    const max = this.options.maxPerMinute;
    if (max > 0) {
      while (this.grants.length > 0 && (this.grants[0] as number) <= now - this.windowMs) this.grants.shift();
      if (this.grants.length >= max) {
        const oldestThatMustLeave = this.grants[this.grants.length - max] as number;
        delay = Math.max(delay, oldestThatMustLeave + this.windowMs - now);
      }
    }
    return delay;
  }

  private grant(): void {
    if (this.options.maxPerMinute > 0) this.grants.push(this.now());
  }

  /** Serves waiters that may go now, and sets one timer for the next that may not. */
  private schedule(): void {
    while (this.waiters.length > 0) {
      const delay = this.delayMs();
      if (delay > 0) {
        const at = this.now() + delay;
        if (this.timer && this.timerAt <= at) return;
        clearTimeout(this.timer);
        this.timerAt = at;
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.schedule();
        }, delay);
        return;
      }
      const waiter = this.waiters.shift() as Waiter;
      this.grant();
      waiter.resolve();
    }
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
