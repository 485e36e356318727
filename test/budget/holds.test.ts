import { afterAll, beforeAll, expect, it } from "vitest";
import { describeEachDatabase, queryDatabase } from "../support/databases";
import { type Harness, localId, startHarness } from "../support/harness";
import { CREDITS, addKey, createdId, generateAs, ledgerOf, makeTeam } from "./support";
import { sealAudit } from "../../src/audit/seal";

/**
 * Holds and refusals, before anything goes upstream. The worker does not run here, so every
 * generation stays QUEUED with its hold open: what counts against a budget is exactly what
 * the tests created.
 */
describeEachDatabase("budgets: holds and refusals", (target) => {
  let harness: Harness;
  // Real time, movable: the requests-per-minute window is 60 s.
  let offsetMs = 0;
  const clock = { now: () => new Date(Date.now() + offsetMs) };

  beforeAll(async () => {
    harness = await startHarness(target, { start: false, clock });
  });
  afterAll(() => harness?.close());

  it("estimates each shape from the price table and holds it with the generation", async () => {
    const team = await makeTeam(harness.db);
    const shapes: Array<[string, number, number]> = [
      ["SD_480P", 5, 0.091],
      ["SD_480P", 10, 0.182],
      ["HD_720P", 5, 0.225],
      ["HD_720P", 10, 0.45],
    ];
    for (const [resolution, duration, price] of shapes) {
      const result = await generateAs(harness, team.key, { resolution, duration });
      expect(result.generation.estimatedCostUsd).toBe(price);
      const id = createdId(result);
      const row = await harness.db.generation.findUniqueOrThrow({ where: { id } });
      const [hold] = await harness.db.ledgerEntry.findMany({ where: { generationId: id } });
      expect(hold).toMatchObject({ kind: "HOLD", amountUsd: price, teamId: team.teamId, apiKeyId: team.keyId });
      // Written with the row, at the same instant.
      expect(hold?.createdAt.getTime()).toBe(row.createdAt.getTime());
    }
    // Anonymous requests have no team and so no budget: estimated, never held.
    const anonymous = await generateAs(harness, null);
    expect(anonymous.generation.estimatedCostUsd).toBe(0.091);
    expect(await ledgerOf(harness.db, createdId(anonymous))).toEqual([]);
  });

  it("refuses what does not fit with BudgetExceededError, storing and sending nothing", async () => {
    const team = await makeTeam(harness.db, { dailyLimitUsd: 0.2 });
    createdId(await generateAs(harness, team.key));
    createdId(await generateAs(harness, team.key));
    // The trail as its readers see it: every committed entry chained (src/audit/seal.ts).
    await sealAudit(harness.db);
    const before = await Promise.all([
      harness.db.generation.count(),
      harness.db.generationEvent.count(),
      harness.db.ledgerEntry.count(),
      harness.db.auditEntry.count(),
    ]);
    const submits = harness.standIn.stats.submitAttempts;

    const refused = await generateAs(harness, team.key);
    const midnight = new Date(clock.now());
    midnight.setUTCHours(24, 0, 0, 0);
    expect(refused).toEqual({
      __typename: "BudgetExceededError",
      code: "BUDGET_EXCEEDED",
      message: `The team's daily budget of $0.2 would be exceeded: $0 spent and $0.182 held today (UTC), and this generation is estimated at $0.091. It frees up at ${midnight.toISOString()}.`,
      limit: "DAILY_USD",
      scope: "TEAM",
      limitValue: 0.2,
      used: 0.182,
      spentUsd: 0,
      heldUsd: 0.182,
      estimateUsd: 0.091,
      resetsAt: midnight.toISOString(),
    });
    await sealAudit(harness.db);
    const after = await Promise.all([
      harness.db.generation.count(),
      harness.db.generationEvent.count(),
      harness.db.ledgerEntry.count(),
      harness.db.auditEntry.count(),
    ]);
    expect(after).toEqual(before);
    expect(harness.standIn.stats.submitAttempts).toBe(submits);

    // A monthly limit is checked the same way.
    const monthly = await makeTeam(harness.db, { monthlyLimitUsd: 0.3 });
    createdId(await generateAs(harness, monthly.key, { resolution: "HD_720P" }));
    const refusedMonthly = await generateAs(harness, monthly.key, { duration: 10 });
    expect(refusedMonthly).toMatchObject({ limit: "MONTHLY_USD", scope: "TEAM", used: 0.225, estimateUsd: 0.182 });
  });

  it("holds the estimate in the create transaction: a hold that cannot be written stores no generation", async () => {
    const team = await makeTeam(harness.db);
    // Make the HOLD insert of this team fail inside the database.
    if (harness.database.provider === "sqlite") {
      await queryDatabase(
        harness.database,
        `CREATE TRIGGER refuse_hold BEFORE INSERT ON "LedgerEntry" WHEN NEW."teamId" = '${team.teamId}' BEGIN SELECT RAISE(ABORT, 'hold refused by the test'); END`,
      );
    } else {
      await queryDatabase(
        harness.database,
        `CREATE FUNCTION refuse_hold() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'hold refused by the test'; END $$ LANGUAGE plpgsql`,
      );
      await queryDatabase(
        harness.database,
        `CREATE TRIGGER refuse_hold BEFORE INSERT ON "LedgerEntry" FOR EACH ROW WHEN (NEW."teamId" = '${team.teamId}') EXECUTE FUNCTION refuse_hold()`,
      );
    }
    try {
      const result = await harness.gqlAs(team.key, `mutation($input: GenerateVideoInput!) { generateVideo(input: $input) { __typename } }`, {
        input: { prompt: "held or nothing", imageUrl: "https://images.example.com/a.png", duration: 5, resolution: "SD_480P" },
      });
      expect(result.errors?.[0]?.extensions?.code).toBe("INTERNAL_SERVER_ERROR");
      expect(await harness.db.generation.count({ where: { teamId: team.teamId } })).toBe(0);
      expect(await harness.db.generation.count({ where: { prompt: "held or nothing" } })).toBe(0);
    } finally {
      await queryDatabase(harness.database, `DROP TRIGGER refuse_hold${harness.database.provider === "postgresql" ? ` ON "LedgerEntry"` : ""}`);
    }
  });

  it("30 concurrent requests against a budget that fits exactly 5 create exactly 5 holds", async () => {
    const team = await makeTeam(harness.db, { dailyLimitUsd: 5 * 0.091 });
    const results = await Promise.all(Array.from({ length: 30 }, () => generateAs(harness, team.key)));
    const kinds = results.map((result) => result.__typename);
    expect(kinds.filter((kind) => kind === "GenerateVideoPayload")).toHaveLength(5);
    expect(kinds.filter((kind) => kind === "BudgetExceededError")).toHaveLength(25);
    expect(await harness.db.ledgerEntry.count({ where: { teamId: team.teamId, kind: "HOLD" } })).toBe(5);
    expect(await harness.db.generation.count({ where: { teamId: team.teamId } })).toBe(5);
    for (const refused of results.filter((result) => result.__typename === "BudgetExceededError")) {
      expect(refused).toMatchObject({ limit: "DAILY_USD", used: 0.455, heldUsd: 0.455, estimateUsd: 0.091 });
    }

    // The same for a concurrency limit, across two keys of one team.
    const limited = await makeTeam(harness.db, { maxConcurrent: 3 });
    const second = await addKey(harness.db, limited.teamId);
    const mixed = await Promise.all(
      Array.from({ length: 30 }, (_, i) => generateAs(harness, i % 2 === 0 ? limited.key : second.key)),
    );
    expect(mixed.filter((result) => result.__typename === "GenerateVideoPayload")).toHaveLength(3);
    expect(await harness.db.ledgerEntry.count({ where: { teamId: limited.teamId, kind: "HOLD" } })).toBe(3);
  });

  it("applies a key's own limit below its team's", async () => {
    const team = await makeTeam(harness.db, { dailyLimitUsd: 1 }, { dailyLimitUsd: 0.1 });
    createdId(await generateAs(harness, team.key));
    const refused = await generateAs(harness, team.key);
    expect(refused).toMatchObject({
      __typename: "BudgetExceededError",
      limit: "DAILY_USD",
      scope: "KEY",
      limitValue: 0.1,
      heldUsd: 0.091,
      estimateUsd: 0.091,
    });
    expect(refused.message).toMatch(/^This API key's daily budget of \$0.1 would be exceeded/);
    // Another key of the team spends from the team's budget, not from the first key's.
    const other = await addKey(harness.db, team.teamId);
    createdId(await generateAs(harness, other.key));

    // The team's view and the key's own.
    const credits = await harness.gqlAs(team.key, CREDITS);
    expect(credits.errors).toBeUndefined();
    expect(credits.data.credits.team.budget).toMatchObject({ dailyLimitUsd: 1, heldUsd: 0.182, activeGenerations: 2, remainingTodayUsd: 0.818 });
    expect(credits.data.credits.keyBudget).toMatchObject({ dailyLimitUsd: 0.1, heldUsd: 0.091, activeGenerations: 1, remainingTodayUsd: 0.009 });
  });

  it("refuses beyond maxConcurrent until a generation ends", async () => {
    const team = await makeTeam(harness.db, { maxConcurrent: 2 });
    const first = createdId(await generateAs(harness, team.key));
    createdId(await generateAs(harness, team.key));
    const refused = await generateAs(harness, team.key);
    expect(refused).toMatchObject({
      __typename: "BudgetExceededError",
      limit: "CONCURRENT",
      scope: "TEAM",
      limitValue: 2,
      used: 2,
      spentUsd: null,
      heldUsd: null,
      estimateUsd: 0.091,
      resetsAt: null,
    });
    // Canceled while queued: final, and its hold released.
    const canceled = await harness.gqlAs(team.key, `mutation($id: ID!) { cancelGeneration(id: $id) { __typename } }`, { id: first });
    expect(canceled.data.cancelGeneration.__typename).toBe("CancelGenerationPayload");
    expect(await ledgerOf(harness.db, first)).toEqual([
      ["HOLD", 0.091],
      ["RELEASE", 0.091],
    ]);
    createdId(await generateAs(harness, team.key));
  });

  it("refuses beyond requestsPerMinute until the minute moves on", async () => {
    const team = await makeTeam(harness.db, {}, { requestsPerMinute: 2 });
    const first = createdId(await generateAs(harness, team.key));
    createdId(await generateAs(harness, team.key));
    const refused = await generateAs(harness, team.key);
    const firstRow = await harness.db.generation.findUniqueOrThrow({ where: { id: first } });
    expect(refused).toMatchObject({
      __typename: "BudgetExceededError",
      limit: "REQUESTS_PER_MINUTE",
      scope: "KEY",
      limitValue: 2,
      used: 2,
      resetsAt: new Date(firstRow.createdAt.getTime() + 60_000).toISOString(),
    });
    // Refused requests do not count: once the minute has moved on, two more fit.
    offsetMs += 60_001;
    createdId(await generateAs(harness, team.key));
    createdId(await generateAs(harness, team.key));
    expect(await generateAs(harness, team.key)).toMatchObject({ limit: "REQUESTS_PER_MINUTE", used: 2 });
  });

  it("shows anonymous callers no team, no budget and no ledger", async () => {
    const result = await harness.gqlAs(null, `{ credits { team { id } keyBudget { heldUsd } ledger(first: 5) { totalCount edges { cursor } } } }`);
    expect(result.errors).toBeUndefined();
    expect(result.data.credits).toEqual({ team: null, keyBudget: null, ledger: { totalCount: 0, edges: [] } });
  });

  it("accepts a generation's global id as the ledger filter", async () => {
    const team = await makeTeam(harness.db);
    const created = await generateAs(harness, team.key);
    const result = await harness.gqlAs(team.key, `query($g: ID) { credits { ledger(generationId: $g) { edges { node { kind generationId } } } } }`, {
      g: created.generation.id,
    });
    expect(result.data.credits.ledger.edges).toEqual([{ node: { kind: "HOLD", generationId: created.generation.id } }]);
    expect(localId(created.generation.id)).toBe(createdId(created));
  });
});
