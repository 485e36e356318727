import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import type { Clock } from "../src/clock";
import { describeEachDatabase } from "./support/databases";
import { type Harness, VALID_INPUT, localId, startHarness } from "./support/harness";

const CREDITS = `{
  credits {
    upstream freshness spentUsd billedGenerations lastRemainingCredits lastRemainingCreditsAt
    balance { credits freeCredits readAt }
    upstreamError { code message }
  }
}`;

/** A clock the test moves by hand, to step past the cache TTL without sleeping. */
function manualClock(): Clock & { advance(ms: number): void } {
  let now = Date.now();
  return { now: () => new Date(now), advance: (ms) => (now += ms) };
}

describeEachDatabase("credits", (target) => {
  let harness: Harness;
  const clock = manualClock();

  beforeAll(async () => {
    harness = await startHarness(target, {
      clock,
      creditsCacheTtlMs: 30_000,
      standInOptions: { balanceUsd: 5, freeCreditsUsd: 0.25 },
    });
  });
  afterAll(() => harness?.close());
  beforeEach(() => clock.advance(60_000)); // every test starts past the cache TTL

  const credits = async () => {
    const result = await harness.gql(CREDITS);
    expect(result.errors).toBeUndefined();
    return result.data.credits;
  };

  it("reads the balance live, then serves it from the cache within the TTL", async () => {
    const reads = harness.standIn.stats.creditReads;
    const live = await credits();
    expect(live.freshness).toBe("LIVE");
    expect(live.upstream).toBe("sandbox");
    expect(live.balance).toMatchObject({ credits: 5, freeCredits: 0.25 });
    expect(harness.standIn.stats.creditReads).toBe(reads + 1);

    clock.advance(10_000);
    const cached = await credits();
    expect(cached.freshness).toBe("CACHED");
    expect(cached.balance.readAt).toBe(live.balance.readAt);
    expect(harness.standIn.stats.creditReads).toBe(reads + 1);

    clock.advance(25_000);
    expect((await credits()).freshness).toBe("LIVE");
    expect(harness.standIn.stats.creditReads).toBe(reads + 2);
  });

  it("shares one upstream read among concurrent requests", async () => {
    const reads = harness.standIn.stats.creditReads;
    const results = await Promise.all(Array.from({ length: 5 }, credits));
    expect(results.every((result) => result.freshness === "LIVE")).toBe(true);
    expect(harness.standIn.stats.creditReads).toBe(reads + 1);
  });

  it("tracks spending and the last x-remaining-credits as generations complete", async () => {
    const before = await credits();
    for (const resolution of ["SD_480P", "HD_720P"]) {
      const created = await harness.generate({ ...VALID_INPUT, resolution });
      await harness.waitForStatus(localId(created.generation.id), ["SUCCEEDED"]);
    }
    clock.advance(60_000);
    const after = await credits();
    expect(after.billedGenerations).toBe(before.billedGenerations + 2);
    expect(after.spentUsd).toBeCloseTo(before.spentUsd + 0.091 + 0.225, 6);
    expect(after.lastRemainingCredits).toBeCloseTo(harness.standIn.balanceUsd(), 6);
    expect(after.balance.credits).toBeCloseTo(harness.standIn.balanceUsd(), 6);
  });

  it("never fails on an outage: serves the last known balance marked STALE, with the reason", async () => {
    const live = await credits();
    clock.advance(60_000);
    harness.standIn.inject({ route: "credits", kind: { status: 503, body: '{"error":"maintenance"}' } });
    const stale = await credits();
    expect(stale.freshness).toBe("STALE");
    expect(stale.balance).toEqual(live.balance);
    expect(stale.upstreamError.code).toBe("SERVER_ERROR");
    expect(stale.spentUsd).toBe(live.spentUsd);
  });

  it("after a restart with Segmind down, falls back to the balance persisted by the previous process", async () => {
    const live = await credits();
    const restarted = await startHarness(target, {
      database: harness.database,
      standIn: harness.standIn,
      start: false,
      clock,
    });
    try {
      harness.standIn.inject({ route: "credits", kind: "drop" });
      const result = (await restarted.gql(CREDITS)).data.credits;
      expect(result.freshness).toBe("STALE");
      expect(result.balance).toEqual(live.balance);
      expect(result.upstreamError.code).toBe("CONNECTION_DROPPED");
    } finally {
      await restarted.close();
    }
  });
});

describeEachDatabase("credits with nothing known", (target) => {
  it("answers UNAVAILABLE with the reason instead of an error", async () => {
    const harness = await startHarness(target, { start: false });
    try {
      harness.standIn.inject({ route: "credits", kind: { status: 500, body: '{"error":"down"}' } });
      const result = await harness.gql(CREDITS);
      expect(result.errors).toBeUndefined();
      expect(result.data.credits).toMatchObject({
        freshness: "UNAVAILABLE",
        balance: null,
        upstreamError: { code: "SERVER_ERROR" },
        spentUsd: 0,
        billedGenerations: 0,
        lastRemainingCredits: null,
      });
    } finally {
      await harness.close();
    }
  });
});
