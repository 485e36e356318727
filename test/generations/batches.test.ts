import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAuditTrail } from "../../src/audit/log";
import { BATCH_MAX_ITEMS } from "../../src/generations/batch-input";
import { makeTeam } from "../budget/support";
import { describeEachDatabase } from "../support/databases";
import { type Harness, localId, startHarness } from "../support/harness";
import { BATCH_QUERY, GENERATE_VIDEOS, generateVideosAs, item, storedCounts } from "./batch-support";
import { sealAudit } from "../../src/audit/seal";

/** generateVideos over real HTTP (in-process yoga) against the Segmind stand-in. */
describeEachDatabase("generateVideos: batches and seed sweeps", (target) => {
  let harness: Harness;

  beforeAll(async () => {
    // A generous client timeout: 20 submits at once on a loaded machine must not end as
    // SUBMIT_OUTCOME_UNKNOWN (a timeout is never resubmitted).
    harness = await startHarness(target, { clientTimeoutMs: 20_000 });
  });
  afterAll(() => harness?.close());

  // 20 generations run to the end at the worker's test concurrency (4): ~8 s on PostgreSQL and
  // ~35 s on SQLite alone, over 60 s on SQLite while CI runs other files beside it.
  it("runs a seed sweep of 20 to the end: 20 distinct seeds recorded, all SUCCEEDED, one batch", async () => {
    const team = await makeTeam(harness.db);
    const result = await generateVideosAs(harness, team.key, { items: [item()], seedCount: 20, tags: ["sweep"] });
    expect(result.__typename).toBe("GenerateVideosPayload");
    expect(result.replayed).toBe(false);
    expect(result.batch.size).toBe(20);
    const generations: any[] = result.generations;
    expect(generations.map((g) => g.batchIndex)).toEqual([...Array(20).keys()]);
    expect(generations.every((g) => g.seedSource === "GATEWAY" && g.batch.id === result.batch.id)).toBe(true);
    expect(new Set(generations.map((g) => g.seed)).size).toBe(20);
    expect(result.batch.seeds).toEqual(generations.map((g) => g.seed));

    const rows = await Promise.all(generations.map((g) => harness.waitForStatus(localId(g.id), ["SUCCEEDED"], 150_000)));
    // Recorded: the seed stored, sent (the upstream body) and echoed by Segmind, per generation.
    expect(new Set(rows.map((row) => row.seed)).size).toBe(20);
    for (const row of rows) {
      expect(JSON.parse(row.upstreamRequestBody).seed).toBe(row.seed);
      expect(row.upstreamSeed).toBe(row.seed);
      expect(row.batchId).toBe(localId(result.batch.id));
    }
    const ledger = await harness.db.ledgerEntry.findMany({ where: { teamId: team.teamId } });
    expect(ledger.filter((entry) => entry.kind === "HOLD")).toHaveLength(20);
    expect(ledger.filter((entry) => entry.kind === "SETTLE")).toHaveLength(20);

    const batch = (await harness.gqlAs(team.key, BATCH_QUERY, { id: result.batch.id })).data.batch;
    expect(batch).toMatchObject({ size: 20, finished: true, statusCounts: [{ status: "SUCCEEDED", count: 20 }], tags: ["sweep"] });
    expect(batch.estimatedCostUsd).toBe(1.82);
    expect(batch.costUsd).toBe(1.82);
    expect(batch.seeds).toEqual(result.batch.seeds);

    // One GENERATION_CREATED per item, chained like any other entry (once committed: src/audit/seal.ts).
    await sealAudit(harness.db);
    const created = await harness.db.auditEntry.findMany({ where: { action: "GENERATION_CREATED", actorTeamId: team.teamId } });
    expect(created).toHaveLength(20);
    expect(created.map((entry) => JSON.parse(entry.details))).toEqual(
      expect.arrayContaining([expect.objectContaining({ batchId: localId(result.batch.id), batchIndex: 19, tags: ["sweep"] })]),
    );
    expect((await verifyAuditTrail(harness.db)).firstProblem).toBeNull();
  }, 180_000);

  it("sweeps the client's seeds in the order given", async () => {
    const result = await generateVideosAs(harness, null, { items: [item()], seeds: [11, 7, 999_999] });
    expect(result.generations.map((g: any) => [g.seed, g.seedSource, g.batchIndex])).toEqual([
      [11, "CLIENT", 0],
      [7, "CLIENT", 1],
      [999_999, "CLIENT", 2],
    ]);
  });

  it("accepts a batch of different items, each with its own shape and estimate", async () => {
    const team = await makeTeam(harness.db);
    const result = await generateVideosAs(harness, team.key, {
      items: [item({ seed: 5 }), item({ prompt: "A kite over dunes", duration: 10, resolution: "HD_720P" })],
    });
    expect(result.generations.map((g: any) => [g.seed, g.estimatedCostUsd])).toEqual([
      [5, 0.091],
      [expect.any(Number), 0.45],
    ]);
    expect(result.generations[1].seedSource).toBe("GATEWAY");
  });

  describe("budget: all or nothing", () => {
    it("refuses a batch whose total does not fit, whole: no rows, no holds, no audit, nothing sent", async () => {
      // Six 480p/5 s items are 6 × $0.091 = $0.546: over a $0.50 day, though five would fit.
      const team = await makeTeam(harness.db, { dailyLimitUsd: 0.5 });
      await harness.gateway.services.worker.idle();
      const before = await storedCounts(harness);
      const submits = harness.standIn.stats.submitAttempts;

      const refused = await generateVideosAs(harness, team.key, { items: [item()], seedCount: 6, tags: ["refused"] });
      expect(refused).toMatchObject({
        __typename: "BudgetExceededError",
        code: "BUDGET_EXCEEDED",
        limit: "DAILY_USD",
        scope: "TEAM",
        estimateUsd: 0.546,
        requestedGenerations: 6,
        used: 0,
      });
      expect(refused.message).toContain("these 6 generations are estimated at $0.546");
      expect(await storedCounts(harness)).toEqual(before);
      expect(await harness.db.ledgerEntry.count({ where: { teamId: team.teamId } })).toBe(0);
      expect(await harness.db.auditEntry.count({ where: { action: "GENERATION_CREATED", actorTeamId: team.teamId } })).toBe(0);
      await harness.gateway.services.worker.idle();
      expect(harness.standIn.stats.submitAttempts).toBe(submits);

      // Five fit, and are held together.
      const accepted = await generateVideosAs(harness, team.key, { items: [item()], seedCount: 5 });
      expect(accepted.__typename).toBe("GenerateVideosPayload");
      const holds = await harness.db.ledgerEntry.findMany({ where: { teamId: team.teamId, kind: "HOLD" } });
      expect(holds).toHaveLength(5);
      expect(new Set(holds.map((hold) => hold.createdAt.getTime())).size).toBe(1);
    });

    it("counts the batch's size against the concurrency limit", async () => {
      const team = await makeTeam(harness.db, { maxConcurrent: 3 });
      const before = await storedCounts(harness);
      const refused = await generateVideosAs(harness, team.key, { items: [item(), item(), item(), item()] });
      expect(refused).toMatchObject({ __typename: "BudgetExceededError", limit: "CONCURRENT", limitValue: 3, used: 0, requestedGenerations: 4 });
      expect(await storedCounts(harness)).toMatchObject({ generations: before.generations, batches: before.batches });
      expect((await generateVideosAs(harness, team.key, { items: [item(), item(), item()] })).__typename).toBe("GenerateVideosPayload");
    });
  });

  describe("idempotency: the batch as a whole", () => {
    it("replays the same batch for the same key and input: same ids, nothing new stored or sent", async () => {
      const team = await makeTeam(harness.db);
      const input = { items: [item()], seedCount: 3, idempotencyKey: "sweep-1", tags: ["replay"] };
      const first = await generateVideosAs(harness, team.key, input);
      await Promise.all(first.generations.map((g: any) => harness.waitForStatus(localId(g.id), ["SUCCEEDED"])));
      const before = await storedCounts(harness);
      const accepted = harness.standIn.stats.submitsAccepted;

      const again = await generateVideosAs(harness, team.key, input);
      expect(again.replayed).toBe(true);
      expect(again.batch.id).toBe(first.batch.id);
      expect(again.batch.idempotencyKey).toBe("sweep-1");
      expect(again.generations.map((g: any) => [g.id, g.seed])).toEqual(first.generations.map((g: any) => [g.id, g.seed]));
      expect(again.generations.every((g: any) => g.status === "SUCCEEDED")).toBe(true);
      await harness.gateway.services.worker.idle();
      expect(await storedCounts(harness)).toEqual(before);
      expect(harness.standIn.stats.submitsAccepted).toBe(accepted);

      // Another team's "sweep-1" is another key.
      const other = await makeTeam(harness.db);
      const theirs = await generateVideosAs(harness, other.key, input);
      expect(theirs.replayed).toBe(false);
      expect(theirs.batch.id).not.toBe(first.batch.id);
    });

    it("answers the same key with a different input with a typed conflict naming the batch", async () => {
      const team = await makeTeam(harness.db);
      const first = await generateVideosAs(harness, team.key, { items: [item(), item({ seed: 3 })], idempotencyKey: "pair" });
      const before = await storedCounts(harness);
      const conflict = await generateVideosAs(harness, team.key, { items: [item(), item({ seed: 4 })], idempotencyKey: "pair" });
      expect(conflict).toMatchObject({
        __typename: "IdempotencyConflictError",
        code: "IDEMPOTENCY_CONFLICT",
        idempotencyKey: "pair",
        existingBatchId: first.batch.id,
        existingGenerationId: first.generations[0].id,
      });
      expect(await storedCounts(harness)).toEqual(before);
    });

    it("lets concurrent requests with one new key create exactly one batch", async () => {
      const team = await makeTeam(harness.db);
      const input = { items: [item()], seedCount: 4, idempotencyKey: `race-${target.provider}` };
      const results = await Promise.all(Array.from({ length: 6 }, () => generateVideosAs(harness, team.key, input)));
      expect(new Set(results.map((r) => r.batch.id)).size).toBe(1);
      expect(results.filter((r) => !r.replayed)).toHaveLength(1);
      expect(await harness.db.generation.count({ where: { teamId: team.teamId } })).toBe(4);
    });
  });

  describe("validation: per item, nothing stored", () => {
    it("names each problem's item and field, and stores nothing", async () => {
      const before = await storedCounts(harness);
      const result = await generateVideosAs(harness, null, {
        items: [item(), item({ prompt: " " }), item(), item({ seed: 0, duration: 7, idempotencyKey: "mine" })],
      });
      expect(result.__typename).toBe("InvalidInputError");
      expect(result.code).toBe("INVALID_INPUT");
      expect(result.fields.map((f: any) => [f.itemIndex, f.field])).toEqual([
        [1, "prompt"],
        [3, "idempotencyKey"],
        [3, "duration"],
        [3, "seed"],
      ]);
      expect(result.message).toContain("items[1].prompt");
      expect(await storedCounts(harness)).toEqual(before);
    });

    it.each<[string, Record<string, unknown>, string]>([
      ["no items", { items: [] }, "items"],
      [`more than ${BATCH_MAX_ITEMS} items`, { items: Array.from({ length: BATCH_MAX_ITEMS + 1 }, () => item()) }, "items"],
      ["seeds and seedCount together", { items: [item()], seeds: [1], seedCount: 2 }, "seedCount"],
      ["a sweep of two items", { items: [item(), item()], seedCount: 2 }, "items"],
      [`seedCount over ${BATCH_MAX_ITEMS}`, { items: [item()], seedCount: BATCH_MAX_ITEMS + 1 }, "seedCount"],
      ["seedCount 0", { items: [item()], seedCount: 0 }, "seedCount"],
      ["a repeated seed", { items: [item()], seeds: [5, 6, 5] }, "seeds"],
      ["a seed out of range", { items: [item()], seeds: [5, 1_000_000] }, "seeds"],
      ["a bad batch key", { items: [item()], idempotencyKey: "has space" }, "idempotencyKey"],
      ["a batch tag breaking the rules", { items: [item()], tags: ["Upper"] }, "tags"],
      ["batch metadata that is not an object", { items: [item()], metadata: [1, 2] }, "metadata"],
    ])("refuses %s", async (_name, input, field) => {
      const before = await storedCounts(harness);
      const result = await generateVideosAs(harness, null, input);
      expect(result.__typename).toBe("InvalidInputError");
      expect(result.fields.map((f: any) => [f.field, f.itemIndex])).toEqual([[field, null]]);
      expect(await storedCounts(harness)).toEqual(before);
    });

    it("refuses an item seed inside a sweep, naming the item", async () => {
      const result = await generateVideosAs(harness, null, { items: [item({ seed: 9 })], seedCount: 2 });
      expect(result.fields).toEqual([{ field: "seed", itemIndex: 0, message: expect.stringContaining("sweep") }]);
    });

    it(`accepts exactly ${BATCH_MAX_ITEMS} items`, async () => {
      const result = await generateVideosAs(harness, null, { items: [item()], seedCount: BATCH_MAX_ITEMS });
      expect(result.generations).toHaveLength(BATCH_MAX_ITEMS);
    });
  });

  it("hides another team's batch: batch(id) is null, node(id) is null", async () => {
    const owner = await makeTeam(harness.db);
    const stranger = await makeTeam(harness.db);
    const { batch } = await generateVideosAs(harness, owner.key, { items: [item()] });
    expect((await harness.gqlAs(stranger.key, BATCH_QUERY, { id: batch.id })).data.batch).toBeNull();
    const node = await harness.gqlAs(stranger.key, `query($id: ID!) { node(id: $id) { id } }`, { id: batch.id });
    expect(node.data.node).toBeNull();
    const own = await harness.gqlAs(owner.key, `query($id: ID!) { node(id: $id) { ... on GenerationBatch { size } } }`, { id: batch.id });
    expect(own.data.node).toEqual({ size: 1 });
    const listed = await harness.gqlAs(stranger.key, `query($b: ID) { generations(filter: { batchId: $b }) { totalCount } }`, { b: batch.id });
    expect(listed.data.generations.totalCount).toBe(0);
  });
});

/** How many database statements a batch accept costs: the same for 2 items as for 50. */
describeEachDatabase("generateVideos: statements per accept", (target) => {
  let harness: Harness;
  beforeAll(async () => {
    // No worker: only the request's own statements are recorded.
    harness = await startHarness(target, { start: false });
  });
  afterAll(() => harness?.close());

  it("is bounded: a fixed number of statements whatever the batch's size", async () => {
    const team = await makeTeam(harness.db, { dailyLimitUsd: 100, monthlyLimitUsd: 1000, maxConcurrent: 500, requestsPerMinute: 500 });
    const statements = async (count: number) => {
      // Background reads of the previous request (the metrics' team-name lookup) land first.
      await new Promise((resolve) => setTimeout(resolve, 200));
      harness.queries.length = 0;
      const response = await harness.gqlAs(team.key, GENERATE_VIDEOS, {
        input: { items: [item({ tags: ["a", "b"] })], seedCount: count, tags: ["batch"], idempotencyKey: `count-${count}` },
      });
      expect(response.data.generateVideos.__typename).toBe("GenerateVideosPayload");
      return harness.queries.map((q) => `${q.model ?? ""}.${q.operation}`).sort();
    };
    // Warm up: the key's lastUsedAt touch, and open holds to read (as on a busy team).
    await statements(1);
    const two = await statements(2);
    const fifty = await statements(BATCH_MAX_ITEMS);
    expect(fifty).toEqual(two);
    // Authentication, idempotency lookup, budget (lock, limits, usage), batch, rows, events,
    // tags, holds, audit: see README "Batches" for the figure.
    expect(two.length).toBeLessThanOrEqual(30);
    console.info(`[${target.provider}] statements per batch accept (2 or ${BATCH_MAX_ITEMS} items): ${two.length}: ${two.join(" ")}`);
  });
});
