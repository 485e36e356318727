/**
 * When a failed delivery is tried again. The delays after the 1st, 2nd, ... failed attempt of
 * a round (a round starts when the delivery is written, or with redeliverWebhook):
 *
 *   5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, 8 h, 8 h
 *
 * each ±20 % at random (jitter, so receivers that come back are not hit by every sender at
 * once): 11 attempts over about 23.7 hours, then the delivery is FAILED. A receiver's
 * Retry-After (seconds or an HTTP date, on any answer) is honoured: the next attempt is never
 * earlier than it asks, up to MAX_RETRY_AFTER_MS.
 */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [
  5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000, 28_800_000, 28_800_000,
];

/** A day of failures (from the first failed attempt since the last success) disables an endpoint. */
export const DEFAULT_DISABLE_AFTER_MS = 24 * 3_600_000;

/** A Retry-After beyond this is read as this (a receiver cannot park a delivery for a week). */
export const MAX_RETRY_AFTER_MS = 8 * 3_600_000;

const JITTER = 0.2;

/**
 * The wait before the next attempt after `failedAttempts` failed attempts in this round, or
 * null when the schedule is used up (the delivery fails).
 */
export function nextRetryDelayMs(
  failedAttempts: number,
  retryAfterMs: number | null,
  delays: readonly number[] = DEFAULT_RETRY_DELAYS_MS,
  random: () => number = Math.random,
): number | null {
  const base = delays[failedAttempts - 1];
  if (base === undefined) return null;
  const jittered = Math.round(base * (1 - JITTER + 2 * JITTER * random()));
  return retryAfterMs === null ? jittered : Math.max(jittered, Math.min(retryAfterMs, MAX_RETRY_AFTER_MS));
}

/** Retry-After as milliseconds from `now`: delta-seconds or an HTTP date (RFC 9110 §10.2.3). null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined | null, now: number): number | null {
  if (!value) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1_000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
