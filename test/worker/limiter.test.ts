import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../src/clock";
import { type LimiterOptions, type UpstreamLimiter, createUpstreamLimiter } from "../../src/worker/limiter";
import { connectTestRedis, deleteRedisKeys, describeWithRedis, freshRedisPrefix } from "../support/redis";

// One-second windows keep the tests short; the production window is the clock minute.
const WINDOW_MS = 1_000;

/** Waits for the start of the next window, so a test has (almost) a whole window to itself. */
async function atWindowStart(): Promise<number> {
  const now = Date.now();
  const next = (Math.floor(now / WINDOW_MS) + 1) * WINDOW_MS;
  await new Promise((resolve) => setTimeout(resolve, next - now + 5));
  return next;
}

async function grants(limiter: UpstreamLimiter, kind: "submit" | "status", count: number): Promise<boolean[]> {
  const results: boolean[] = [];
  for (let i = 0; i < count; i += 1) results.push((await limiter.acquire(kind)).granted);
  return results;
}

/** The same behaviour whether the counts live in this process or in Redis. */
function limiterContract(name: string, make: (options: Partial<LimiterOptions>) => UpstreamLimiter) {
  describe(name, () => {
    it("grants SEGMIND_MAX_RPM permits per clock window, then says when the next window opens", async () => {
      const limiter = make({ maxPerMinute: 3 });
      const start = await atWindowStart();
      expect(await grants(limiter, "submit", 3)).toEqual([true, true, true]);
      const refused = await limiter.acquire("status");
      expect(refused).toEqual({ granted: false, retryAt: new Date(start + WINDOW_MS) });
      await new Promise((resolve) => setTimeout(resolve, start + WINDOW_MS - Date.now() + 5));
      expect(await grants(limiter, "submit", 3)).toEqual([true, true, true]);
      expect((await limiter.acquire("submit")).granted).toBe(false);
    });

    it("no cap with 0, and a released permit can be taken again", async () => {
      expect(await grants(make({ maxPerMinute: 0 }), "submit", 50)).toEqual(Array(50).fill(true));
      const limiter = make({ maxPerMinute: 2 });
      await atWindowStart();
      expect(await grants(limiter, "submit", 2)).toEqual([true, true]);
      await limiter.release("submit");
      expect(await grants(limiter, "submit", 2)).toEqual([true, false]);
    });

    it("SEGMIND_RPM_SCOPE=submits counts only submits; all counts every keyed call", async () => {
      const submitsOnly = make({ maxPerMinute: 2, scope: "submits" });
      const every = make({ maxPerMinute: 2, scope: "all" });
      await atWindowStart();
      expect(await grants(submitsOnly, "status", 5)).toEqual(Array(5).fill(true));
      expect(await grants(submitsOnly, "submit", 3)).toEqual([true, true, false]);
      expect(await grants(every, "status", 3)).toEqual([true, true, false]);
    });

    it("after a 429 every call waits until the reset time; without one, a growing backoff", async () => {
      const limiter = make({ maxPerMinute: 0, backoffBaseMs: 200 });
      const resetAt = new Date(Date.now() + 1_500);
      const until = await limiter.rateLimited(resetAt);
      expect(until).toEqual(resetAt);
      const refused = await limiter.acquire("credits");
      expect(refused.granted).toBe(false);
      expect((refused as { retryAt: Date }).retryAt.getTime()).toBeGreaterThanOrEqual(resetAt.getTime());
      expect((await limiter.closedUntil())?.getTime()).toBeGreaterThanOrEqual(resetAt.getTime());
      await new Promise((resolve) => setTimeout(resolve, resetAt.getTime() - Date.now() + 1_050));
      expect((await limiter.acquire("submit")).granted).toBe(true);
      expect(await limiter.closedUntil()).toBeNull();

      // No reset time: backoff, capped by the window; passed() starts it afresh.
      const fresh = make({ maxPerMinute: 0, backoffBaseMs: 200 });
      const before = Date.now();
      const first = (await fresh.rateLimited()).getTime() - before;
      expect(first).toBeGreaterThanOrEqual(20);
      expect(first).toBeLessThanOrEqual(WINDOW_MS + 50);
    });

    it("does not believe a reset time further away than maxPauseMs", async () => {
      const limiter = make({ maxPerMinute: 0, maxPauseMs: 2_000 });
      const before = Date.now();
      const until = await limiter.rateLimited(new Date(Date.now() + 3_600_000));
      expect(until.getTime() - before).toBeLessThanOrEqual(2_100);
    });
  });
}

limiterContract("upstream limiter, in this process", (options) =>
  createUpstreamLimiter({ maxPerMinute: 0, scope: "all", clock: systemClock, windowMs: WINDOW_MS, ...options }),
);

describeWithRedis("upstream limiter, shared through Redis", () => {
  let redis: Redis;
  const prefixes: string[] = [];
  beforeAll(() => {
    redis = connectTestRedis();
  });
  afterAll(async () => {
    for (const prefix of prefixes) await deleteRedisKeys(redis, prefix);
    await redis.quit();
  });
  /** Two instances of one deployment: same Redis, same prefix. */
  const deployment = (options: Partial<LimiterOptions>) => {
    const keyPrefix = freshRedisPrefix();
    prefixes.push(keyPrefix);
    const make = () =>
      createUpstreamLimiter({
        maxPerMinute: 0,
        scope: "all",
        clock: systemClock,
        windowMs: WINDOW_MS,
        ...options,
        redis: { client: redis, keyPrefix },
      });
    return [make(), make()] as const;
  };

  limiterContract("one instance", (options) => deployment(options)[0]);

  it("every instance draws from one count", async () => {
    const [a, b] = deployment({ maxPerMinute: 4 });
    await atWindowStart();
    expect(await grants(a, "submit", 2)).toEqual([true, true]);
    expect(await grants(b, "status", 3)).toEqual([true, true, false]);
    expect((await a.acquire("submit")).granted).toBe(false);
  });

  it("a 429 seen by one instance holds every instance until the reset", async () => {
    const [a, b] = deployment({ maxPerMinute: 0 });
    const resetAt = new Date(Date.now() + 1_200);
    await a.rateLimited(resetAt);
    const refused = await b.acquire("submit");
    expect(refused.granted).toBe(false);
    expect((refused as { retryAt: Date }).retryAt.getTime()).toBeGreaterThanOrEqual(resetAt.getTime());
    // The shared pause is kept in whole seconds, rounded up: never shorter than Segmind's.
    await new Promise((resolve) => setTimeout(resolve, resetAt.getTime() - Date.now() + 1_050));
    expect((await b.acquire("submit")).granted).toBe(true);
  });
});
