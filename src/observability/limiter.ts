import type { UpstreamCallKind, UpstreamLimiter } from "../worker/limiter";

/**
 * The deployment's Segmind limiter, with each deferral it imposes counted: the limiter never
 * makes a call wait in place; it answers "ask again at T" and the worker reschedules the step
 * (credits serve the last balance), so the time a keyed call spends held back is the sum of
 * its deferrals (rate_limiter_deferred_seconds).
 */
export function meteredLimiter(
  limiter: UpstreamLimiter,
  deferred: (kind: UpstreamCallKind, ms: number) => void,
  now: () => number,
): UpstreamLimiter {
  return {
    get maxPerMinute() {
      return limiter.maxPerMinute;
    },
    async acquire(kind) {
      const permit = await limiter.acquire(kind);
      if (!permit.granted) deferred(kind, Math.max(0, permit.retryAt.getTime() - now()));
      return permit;
    },
    release: (kind) => limiter.release(kind),
    rateLimited: (resetAt) => limiter.rateLimited(resetAt),
    passed: () => limiter.passed(),
    closedUntil: () => limiter.closedUntil(),
  };
}
