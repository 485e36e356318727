import { afterAll, beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../support/databases";
import { type Harness, startHarness } from "../support/harness";
import { CREDITS, LEDGER, createdId, generateAs, ledgerOf, makeTeam } from "./support";

/**
 * Settling holds when the cost becomes known, through the real worker and the stand-in. The
 * stand-in charges $0.08 for 480p/5 s where the price table estimates $0.091, so a settlement
 * to the reported cost is told apart from one at the estimate.
 */
describeEachDatabase("budgets: settle and release", (target) => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness(target, { standInOptions: { jobDurationMs: 400, prices: { "480p:5": 0.08 } } });
  });
  afterAll(() => harness?.close());

  const budgetOf = async (key: string) => {
    const result = await harness.gqlAs(key, CREDITS);
    expect(result.errors).toBeUndefined();
    return result.data.credits.team.budget;
  };

  it("settles to Segmind's reported cost on success; credits shows the budget moving", async () => {
    const team = await makeTeam(harness.db, { dailyLimitUsd: 1, monthlyLimitUsd: 10 });
    expect(await budgetOf(team.key)).toMatchObject({
      spentTodayUsd: 0,
      heldUsd: 0,
      remainingTodayUsd: 1,
      remainingThisMonthUsd: 10,
      activeGenerations: 0,
      requestsInLastMinute: 0,
    });

    const id = createdId(await generateAs(harness, team.key));
    expect(await budgetOf(team.key)).toMatchObject({
      spentTodayUsd: 0,
      heldUsd: 0.091,
      remainingTodayUsd: 0.909,
      activeGenerations: 1,
      requestsInLastMinute: 1,
    });

    const done = await harness.waitForStatus(id, ["SUCCEEDED", "FAILED"]);
    expect(done.status).toBe("SUCCEEDED");
    expect(done.costUsd).toBe(0.08);
    expect(await ledgerOf(harness.db, id)).toEqual([
      ["HOLD", 0.091],
      ["SETTLE", 0.08],
    ]);
    expect(await budgetOf(team.key)).toMatchObject({
      spentTodayUsd: 0.08,
      spentThisMonthUsd: 0.08,
      heldUsd: 0,
      remainingTodayUsd: 0.92,
      remainingThisMonthUsd: 9.92,
      activeGenerations: 0,
    });
    // Settled in the transition that recorded the cost (into STORING), before the copy finished.
    const settle = await harness.db.ledgerEntry.findFirstOrThrow({ where: { generationId: id, kind: "SETTLE" } });
    const storing = await harness.db.generationEvent.findFirstOrThrow({ where: { generationId: id, toStatus: "STORING" } });
    expect(settle.createdAt.getTime()).toBe(storing.createdAt.getTime());

    const ledger = await harness.gqlAs(team.key, LEDGER, { first: 10 });
    expect(ledger.data.credits.ledger.edges.map((edge: any) => [edge.node.kind, edge.node.amountUsd, edge.node.basis])).toEqual([
      ["SETTLE", 0.08, "REPORTED_COST"],
      ["HOLD", 0.091, "ESTIMATE"],
    ]);
  });

  it("settles a v1 call to its x-cost header", async () => {
    const v1 = await startHarness(target, {
      database: harness.database,
      standIn: harness.standIn,
      mode: "v1",
    });
    try {
      const team = await makeTeam(v1.db);
      const id = createdId(await generateAs(v1, team.key));
      expect((await v1.waitForStatus(id, ["SUCCEEDED", "FAILED"])).status).toBe("SUCCEEDED");
      expect(await ledgerOf(v1.db, id)).toEqual([
        ["HOLD", 0.091],
        ["SETTLE", 0.08],
      ]);
    } finally {
      await v1.close();
    }
  });

  it("releases the hold of a job that failed upstream (unbilled), and of a refused submit", async () => {
    const team = await makeTeam(harness.db, { dailyLimitUsd: 1 });
    const failed = createdId(await generateAs(harness, team.key, { prompt: "sandbox:fail, please" }));
    const row = await harness.waitForStatus(failed, ["SUCCEEDED", "FAILED"]);
    expect(row.errorCode).toBe("UPSTREAM_JOB_FAILED");
    expect(await ledgerOf(harness.db, failed)).toEqual([
      ["HOLD", 0.091],
      ["RELEASE", 0.091],
    ]);

    harness.standIn.inject({ route: "submit", kind: { status: 400, body: JSON.stringify({ error: "bad input" }) } });
    const refused = createdId(await generateAs(harness, team.key));
    expect((await harness.waitForStatus(refused, ["SUCCEEDED", "FAILED"])).errorCode).toBe("UPSTREAM_REJECTED_INPUT");
    expect(await ledgerOf(harness.db, refused)).toEqual([
      ["HOLD", 0.091],
      ["RELEASE", 0.091],
    ]);
    expect(await budgetOf(team.key)).toMatchObject({ spentTodayUsd: 0, heldUsd: 0, remainingTodayUsd: 1 });
  });

  it("settles at the estimate when the submit's outcome is unknown (it may have been billed)", async () => {
    const team = await makeTeam(harness.db);
    harness.standIn.inject({ route: "submit", kind: "drop-after-accept" });
    const id = createdId(await generateAs(harness, team.key));
    expect((await harness.waitForStatus(id, ["SUCCEEDED", "FAILED"])).errorCode).toBe("SUBMIT_OUTCOME_UNKNOWN");
    expect(await ledgerOf(harness.db, id)).toEqual([
      ["HOLD", 0.091],
      ["SETTLE", 0.091],
    ]);
    const ledger = await harness.gqlAs(team.key, LEDGER, { first: 1 });
    expect(ledger.data.credits.ledger.edges[0].node).toMatchObject({ kind: "SETTLE", basis: "ESTIMATE" });
  });

  it("settles a generation canceled after Segmind accepted it at the estimate (Segmind still bills it)", async () => {
    const team = await makeTeam(harness.db);
    const id = createdId(await generateAs(harness, team.key));
    await harness.waitForStatus(id, ["SUBMITTED", "RUNNING"]);
    const canceled = await harness.gqlAs(team.key, `mutation($id: ID!) { cancelGeneration(id: $id) { __typename ... on CancelGenerationPayload { pending generation { status } } } }`, {
      id,
    });
    expect(canceled.data.cancelGeneration).toMatchObject({ pending: false, generation: { status: "CANCELED" } });
    expect(await ledgerOf(harness.db, id)).toEqual([
      ["HOLD", 0.091],
      ["SETTLE", 0.091],
    ]);
    expect(await budgetOf(team.key)).toMatchObject({ spentTodayUsd: 0.091, heldUsd: 0, activeGenerations: 0 });
  });

  it("refuses once settled spending fills the budget, and sends nothing upstream", async () => {
    const team = await makeTeam(harness.db, { dailyLimitUsd: 0.1 });
    const id = createdId(await generateAs(harness, team.key));
    await harness.waitForStatus(id, ["SUCCEEDED"]);
    await harness.gateway.services.worker.idle();
    const submits = harness.standIn.stats.submitAttempts;
    const refused = await generateAs(harness, team.key);
    expect(refused).toMatchObject({ __typename: "BudgetExceededError", limit: "DAILY_USD", spentUsd: 0.08, heldUsd: 0, used: 0.08 });
    await harness.gateway.services.worker.idle();
    expect(harness.standIn.stats.submitAttempts).toBe(submits);
  });

  it("pages the ledger newest first, only the caller's team's, in a fixed number of queries", async () => {
    const team = await makeTeam(harness.db);
    const other = await makeTeam(harness.db);
    const admin = await makeTeam(harness.db, {}, {}, "admin");
    const ids: string[] = [];
    for (let i = 0; i < 4; i += 1) ids.push(createdId(await generateAs(harness, team.key)));
    createdId(await generateAs(harness, other.key));
    for (const id of ids) await harness.waitForStatus(id, ["SUCCEEDED"]);
    await harness.gateway.services.worker.idle();

    const all = await harness.db.ledgerEntry.findMany({ where: { teamId: team.teamId }, orderBy: { id: "desc" } });
    expect(all).toHaveLength(8);
    const seen: string[] = [];
    let after: string | undefined;
    for (let pages = 0; ; pages += 1) {
      const result = await harness.gqlAs(team.key, LEDGER, { first: 3, after });
      expect(result.errors).toBeUndefined();
      const connection = result.data.credits.ledger;
      expect(connection.totalCount).toBe(8);
      for (const edge of connection.edges) {
        expect(edge.node.teamId).toBe(team.teamId);
        expect(edge.node.generation.status).toBe("SUCCEEDED");
        seen.push(edge.node.id);
      }
      if (!connection.pageInfo.hasNextPage) {
        expect(pages).toBe(2);
        break;
      }
      after = connection.pageInfo.endCursor;
    }
    expect(seen).toEqual(all.map((entry) => String(entry.id)));

    // Another team's key sees only its own; naming this team changes nothing.
    const theirs = await harness.gqlAs(other.key, LEDGER, { first: 20, teamId: team.teamId });
    expect(theirs.data.credits.ledger.totalCount).toBe(0);
    expect((await harness.gqlAs(other.key, LEDGER, { first: 20 })).data.credits.ledger.totalCount).toBe(2);
    // An admin key sees every team's, or one team's.
    const everyone = await harness.gqlAs(admin.key, LEDGER, { first: 20 });
    expect(everyone.data.credits.ledger.totalCount).toBe(await harness.db.ledgerEntry.count());
    const one = await harness.gqlAs(admin.key, LEDGER, { first: 20, teamId: team.teamId });
    expect(one.data.credits.ledger.edges.map((edge: any) => edge.node.id)).toEqual(all.map((entry) => String(entry.id)));
    // Forged cursors are refused.
    expect((await harness.gqlAs(team.key, LEDGER, { first: 2, after: "bm90LWEtY3Vyc29y" })).errors?.[0]?.message).toBe("Invalid cursor");

    // Database operations do not grow with the page (generations and bases are batched).
    const operations = async (first: number) => {
      await harness.gqlAs(team.key, LEDGER, { first }); // warm: the key's lastUsedAt
      harness.queries.length = 0;
      const result = await harness.gqlAs(team.key, LEDGER, { first });
      expect(result.data.credits.ledger.edges).toHaveLength(first);
      return harness.queries.map((query) => `${query.model}.${query.operation}`).sort();
    };
    const small = await operations(1);
    expect(await operations(8)).toEqual(small);
    expect(small.filter((operation) => operation.startsWith("LedgerEntry.") || operation === "Generation.findMany")).toEqual([
      "Generation.findMany",
      "LedgerEntry.count",
      "LedgerEntry.findMany",
    ]);
  });
});
