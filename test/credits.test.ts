import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import type { Clock } from "../src/clock";
import { describeEachDatabase } from "./support/databases";
import { type TestTeam, makeTeam } from "./budget/support";
import { GENERATE_VIDEO, type Harness, VALID_INPUT, localId, startHarness } from "./support/harness";

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

describeEachDatabase("credits when Segmind's balance call hangs", (target) => {
  let harness: Harness;
  const clock = manualClock();
  /** Held credits reads: each waits until the test lets it go. */
  const held: Array<() => void> = [];
  let holding = false;

  beforeAll(async () => {
    harness = await startHarness(target, {
      clock,
      start: false,
      clientTimeoutMs: 5_000,
      creditsReadBudgetMs: 300,
      standInOptions: { balanceUsd: 5 },
      wrapSegmind: (client) => ({
        ...client,
        baseUrl: client.baseUrl,
        modelSlug: client.modelSlug,
        getCredits: async (options) => {
          if (holding) await new Promise<void>((resolve) => held.push(resolve));
          return client.getCredits(options);
        },
      }),
    });
  });
  afterAll(async () => {
    holding = false;
    for (const release of held.splice(0)) release();
    await harness?.close();
  });
  beforeEach(() => clock.advance(60_000));

  const credits = async () => {
    const result = await harness.gql(CREDITS);
    expect(result.errors).toBeUndefined();
    return result.data.credits;
  };
  /** A balance read from Segmind (on a loaded machine the first read may outlast the budget). */
  const known = async () => {
    for (const deadline = Date.now() + 5_000; ; ) {
      const answer = await credits();
      if (answer.freshness === "LIVE" || answer.freshness === "CACHED") return answer;
      if (Date.now() > deadline) throw new Error(`no balance read: ${JSON.stringify(answer)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  it("the read goes on in the background: once Segmind answers, the next request gets that balance without another read", async () => {
    const before = await known();
    clock.advance(60_000);
    holding = true;
    const reads = harness.standIn.stats.creditReads;
    const first = await credits();
    expect(first.freshness).toBe("STALE");
    expect(first.upstreamError.code).toBe("TIMEOUT");
    expect(held).toHaveLength(1);

    // Segmind answers: the background read fills the cache.
    holding = false;
    held.splice(0).forEach((release) => release());
    for (const deadline = Date.now() + 5_000; harness.standIn.stats.creditReads === reads; ) {
      if (Date.now() > deadline) throw new Error("the background read never reached Segmind");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await new Promise((resolve) => setTimeout(resolve, 100)); // its snapshot write
    const after = await credits();
    expect(after.freshness).toBe("CACHED");
    expect(after.balance.credits).toBe(5);
    expect(new Date(after.balance.readAt).getTime()).toBeGreaterThan(new Date(before.balance.readAt).getTime());
    expect(harness.standIn.stats.creditReads).toBe(reads + 1);
  });

  it("answers from the last known balance (STALE) within the read budget, not after Segmind's timeout", async () => {
    clock.advance(60_000);
    const live = await known();
    clock.advance(60_000);

    harness.standIn.inject({ route: "credits", kind: "hang" });
    const reads = harness.standIn.stats.creditReads;
    const started = Date.now();
    const stale = await credits();
    expect(Date.now() - started).toBeLessThan(2_500); // the budget is 300 ms; Segmind's timeout 5 s
    expect(stale.freshness).toBe("STALE");
    expect(stale.balance).toEqual(live.balance);
    expect(stale.upstreamError.code).toBe("TIMEOUT");
    expect(stale.upstreamError.message).toContain("CREDITS_READ_BUDGET_MS");

    // While that read hangs, more requests share it (single flight) and get the same answer.
    const more = await Promise.all([credits(), credits(), credits()]);
    expect(more.map((each) => each.freshness)).toEqual(["STALE", "STALE", "STALE"]);
    expect(harness.standIn.stats.creditReads).toBe(reads + 1);
  });

  it("with nothing known it answers UNAVAILABLE within the budget, with the reason", async () => {
    const fresh = await startHarness(target, { start: false, creditsReadBudgetMs: 300, clientTimeoutMs: 5_000 });
    try {
      fresh.standIn.inject({ route: "credits", kind: "hang" });
      const started = Date.now();
      const result = await fresh.gql(CREDITS);
      expect(Date.now() - started).toBeLessThan(2_500);
      expect(result.data.credits).toMatchObject({ freshness: "UNAVAILABLE", balance: null, upstreamError: { code: "TIMEOUT" } });
    } finally {
      await fresh.close();
    }
  });
});

describeEachDatabase("credits: whose spending", (target) => {
  let harness: Harness;
  let teamA: TestTeam;
  let teamB: TestTeam;
  let admin: TestTeam;
  const SPENT = "{ credits { spentUsd billedGenerations } }";

  beforeAll(async () => {
    harness = await startHarness(target);
    teamA = await makeTeam(harness.db);
    teamB = await makeTeam(harness.db);
    admin = await makeTeam(harness.db, {}, {}, "admin");
  });
  afterAll(() => harness?.close());

  const spentAs = async (key: string | null) => {
    const result = await harness.gqlAs(key, SPENT);
    expect(result.errors).toBeUndefined();
    return result.data.credits;
  };
  const generateAs = async (key: string | null, resolution: string, seed: number) => {
    const result = await harness.gqlAs(key, GENERATE_VIDEO, { input: { ...VALID_INPUT, resolution, seed } });
    expect(result.data.generateVideo.__typename).toBe("GenerateVideoPayload");
    await harness.waitForStatus(localId(result.data.generateVideo.generation.id), ["SUCCEEDED"]);
  };

  it("a team sees its own spending, never another team's; admin keys see the whole gateway's", async () => {
    expect(await spentAs(teamA.key)).toEqual({ spentUsd: 0, billedGenerations: 0 });

    await generateAs(teamB.key, "HD_720P", 11); // team B spends 0.225
    await generateAs(teamB.key, "SD_480P", 12); // and 0.091
    await generateAs(null, "SD_480P", 13); // an anonymous caller 0.091

    // Team A watched nothing move: the leak (team A saw team B's spending).
    expect(await spentAs(teamA.key)).toEqual({ spentUsd: 0, billedGenerations: 0 });
    const b = await spentAs(teamB.key);
    expect(b.billedGenerations).toBe(2);
    expect(b.spentUsd).toBeCloseTo(0.316, 6);
    // Anonymous callers see anonymous spending only, as they see only anonymous generations.
    const anonymous = await spentAs(null);
    expect(anonymous.billedGenerations).toBe(1);
    expect(anonymous.spentUsd).toBeCloseTo(0.091, 6);
    const everyone = await spentAs(admin.key);
    expect(everyone.billedGenerations).toBe(3);
    expect(everyone.spentUsd).toBeCloseTo(0.407, 6);

    await generateAs(teamA.key, "SD_480P", 14);
    const a = await spentAs(teamA.key);
    expect(a).toEqual({ spentUsd: 0.091, billedGenerations: 1 });
    expect((await spentAs(teamB.key)).billedGenerations).toBe(2);
  });
});
