/**
 * Requests per clock minute (fixed windows on the stand-in's clock). Segmind signals the limit
 * with 429 and `x-rate-limit-reset-at-utc` only; the reset time is the end of the window.
 */
export class MinuteRateLimiter {
  private perMinute: number | null = null;
  private windowStartMs = 0;
  private used = 0;

  constructor(private readonly now: () => number) {}

  set(perMinute: number | null): void {
    this.perMinute = perMinute;
    this.used = 0;
  }

  /** Counts one request; returns when the window resets if this request is over the limit. */
  admit(): { admitted: true } | { admitted: false; resetAt: Date } {
    if (this.perMinute === null) return { admitted: true };
    const now = this.now();
    const windowStartMs = Math.floor(now / 60_000) * 60_000;
    if (windowStartMs !== this.windowStartMs) {
      this.windowStartMs = windowStartMs;
      this.used = 0;
    }
    if (this.used >= this.perMinute) return { admitted: false, resetAt: new Date(windowStartMs + 60_000) };
    this.used += 1;
    return { admitted: true };
  }
}
