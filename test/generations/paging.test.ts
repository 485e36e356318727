import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Clock } from "../../src/clock";
import { createGeneration } from "../../src/generations/create";
import { describeEachDatabase } from "../support/databases";
import { GENERATION_FIELDS, type Harness, VALID_INPUT, startHarness } from "../support/harness";

const PAGE = `
  query Page($first: Int, $after: String, $last: Int, $before: String, $filter: GenerationFilter) {
    generations(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id prompt seed status createdAt } }
    }
  }
`;

/** A clock that moves one minute per reading, so createdAt values are distinct and known. */
function steppingClock(start: Date): Clock {
  let next = start.getTime();
  return { now: () => new Date((next += 60_000)) };
}

const PROMPTS = ["Sunrise over dunes", "A fox in SNOW", "100% cotton flag waving", "city_lights at night"];

describeEachDatabase("generations: paging, filters, batching", (target) => {
  let harness: Harness;
  let allIds: string[]; // newest first, as the API pages them
  const start = new Date("2026-01-01T00:00:00Z");

  beforeAll(async () => {
    // No worker: rows stay as recorded, so filters see known statuses.
    harness = await startHarness(target, { start: false, clock: steppingClock(start) });
    const services = harness.gateway.services;
    allIds = [];
    for (let i = 0; i < 25; i += 1) {
      const { generation } = await createGeneration(services, {
        ...VALID_INPUT,
        prompt: `${PROMPTS[i % PROMPTS.length]} #${i}`,
        seed: 1000 + (i % 5),
        resolution: "480p",
      });
      allIds.unshift(generation.id);
    }
    // Some finished, some failed, for the status filter.
    await harness.db.generation.updateMany({ where: { seed: 1000 }, data: { status: "SUCCEEDED" } });
    await harness.db.generation.updateMany({ where: { seed: 1001 }, data: { status: "FAILED" } });
    await harness.db.generationEvent.createMany({
      data: allIds.flatMap((generationId) =>
        [1, 2, 3].map((n) => ({ generationId, type: "NOTE", message: `note ${n}`, createdAt: start })),
      ),
    });
  });
  afterAll(() => harness?.close());

  const page = async (variables: Record<string, unknown>) => {
    const result = await harness.gql(PAGE, variables);
    expect(result.errors).toBeUndefined();
    return result.data.generations;
  };
  const localIds = (connection: any) =>
    connection.edges.map((edge: any) => Buffer.from(edge.node.id, "base64").toString().split(":")[1]);

  it("pages forward newest first, with cursors and totalCount", async () => {
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    for (;;) {
      const connection = await page({ first: 10, after });
      expect(connection.totalCount).toBe(25);
      seen.push(...localIds(connection));
      pages += 1;
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(allIds);
  });

  it("pages backward with last/before", async () => {
    const firstPage = await page({ first: 10 });
    const previous = await page({ last: 5, before: firstPage.pageInfo.endCursor });
    expect(localIds(previous)).toEqual(allIds.slice(4, 9));
    expect(previous.pageInfo.hasPreviousPage).toBe(true);
    const lastFive = await page({ last: 5 });
    expect(localIds(lastFive)).toEqual(allIds.slice(20));
  });

  it("defaults to 20 and refuses page sizes over 100 or below 0", async () => {
    expect((await page({})).edges).toHaveLength(20);
    for (const first of [101, -1]) {
      const result = await harness.gql(PAGE, { first });
      expect(result.errors?.[0]?.message).toMatch(/between 0 and 100/);
    }
  });

  it("refuses a forged cursor with a clear error", async () => {
    const result = await harness.gql(PAGE, { first: 2, after: "bm90LWEtY3Vyc29y" });
    expect(result.errors?.[0]?.message).toBe("Invalid cursor");
  });

  it("filters by status, seed, prompt substring and creation time, with matching totalCount", async () => {
    const byStatus = await page({ first: 50, filter: { status: ["SUCCEEDED", "FAILED"] } });
    expect(byStatus.totalCount).toBe(10);
    expect(byStatus.edges.every((e: any) => ["SUCCEEDED", "FAILED"].includes(e.node.status))).toBe(true);

    const bySeed = await page({ first: 50, filter: { seed: 1003 } });
    expect(bySeed.totalCount).toBe(5);
    expect(bySeed.edges.every((e: any) => e.node.seed === 1003)).toBe(true);

    // Case-insensitive on both databases.
    const byPrompt = await page({ first: 50, filter: { promptContains: "fox in snow" } });
    expect(byPrompt.totalCount).toBe(6);
    // LIKE wildcards in the substring are literal characters, not patterns.
    expect((await page({ first: 50, filter: { promptContains: "100%" } })).totalCount).toBe(6);
    expect((await page({ first: 50, filter: { promptContains: "e_o" } })).totalCount).toBe(0); // "_" as a wildcard would match "Sunrise over"
    expect((await page({ first: 50, filter: { promptContains: "city_l" } })).totalCount).toBe(6);

    // Row i was created at start + (i + 1) minutes; [after, before) picks rows 5..9.
    const createdAfter = new Date(start.getTime() + 6 * 60_000).toISOString();
    const createdBefore = new Date(start.getTime() + 11 * 60_000).toISOString();
    const byTime = await page({ first: 50, filter: { createdAfter, createdBefore } });
    expect(localIds(byTime)).toEqual(allIds.slice(15, 20));

    const combined = await page({ first: 50, filter: { seed: 1000, status: ["SUCCEEDED"], promptContains: "#" } });
    expect(combined.totalCount).toBe(5);
  });

  it("rejects a malformed DateTime filter", async () => {
    const result = await harness.gql(PAGE, { filter: { createdAfter: "yesterday" } });
    expect(result.errors?.[0]?.message).toMatch(/DateTime/);
  });

  it("finds one generation by global id, raw UUID and node(id), and null for an unknown one", async () => {
    const id = allIds[3] as string;
    const globalId = Buffer.from(`Generation:${id}`).toString("base64");
    const byGlobal = await harness.gql(`query($id: ID!) { generation(id: $id) { id prompt } }`, { id: globalId });
    const byRaw = await harness.gql(`query($id: ID!) { generation(id: $id) { id } }`, { id });
    const byNode = await harness.gql(`query($id: ID!) { node(id: $id) { id ... on Generation { seed } } }`, {
      id: globalId,
    });
    expect(byGlobal.data.generation.id).toBe(globalId);
    expect(byRaw.data.generation.id).toBe(globalId);
    expect(byNode.data.node.id).toBe(globalId);
    const unknown = Buffer.from("Generation:01900000-0000-7000-8000-000000000000").toString("base64");
    expect((await harness.gql(`query($id: ID!) { generation(id: $id) { id } }`, { id: unknown })).data.generation).toBeNull();
    const wrongType = Buffer.from(`User:${id}`).toString("base64");
    expect((await harness.gql(`query($id: ID!) { generation(id: $id) { id } }`, { id: wrongType })).errors?.[0]?.message).toBe(
      "Invalid generation id",
    );
  });

  describe("database operations per request do not grow with page size (DataLoader)", () => {
    const WITH_EVENTS = `query($first: Int) { generations(first: $first) { totalCount edges { node { ${GENERATION_FIELDS} } } } }`;

    it.each([1, 5, 25])("first: %i", async (first) => {
      harness.queries.length = 0;
      const result = await harness.gql(WITH_EVENTS, { first });
      expect(result.errors).toBeUndefined();
      expect(result.data.generations.edges).toHaveLength(first);
      expect(result.data.generations.edges[0].node.events.length).toBeGreaterThanOrEqual(3);
      // One page query (its totalCount with it), one batched events query: whatever the page size.
      expect(harness.queries.map((q) => `${q.model}.${q.operation}`).sort()).toEqual(["Generation.findMany", "GenerationEvent.findMany"]);
    });

    it("an events field spread from two places of a node: still one events query for the page", async () => {
      harness.queries.length = 0;
      const result = await harness.gql(
        `query($first: Int) { generations(first: $first) { edges { node { id events { type } ...E } } } } fragment E on Generation { events { message } }`,
        { first: 5 },
      );
      expect(result.errors).toBeUndefined();
      expect(Object.keys(result.data.generations.edges[0].node.events[0]).sort()).toEqual(["message", "type"]);
      expect(harness.queries.map((q) => `${q.model}.${q.operation}`).sort()).toEqual(["Generation.findMany", "GenerationEvent.findMany"]);
    });

    it("batches node lookups by id into one query", async () => {
      const ids = allIds.slice(0, 6).map((id) => Buffer.from(`Generation:${id}`).toString("base64"));
      harness.queries.length = 0;
      const result = await harness.gql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids });
      expect(result.data.nodes.map((n: any) => n.id)).toEqual(ids);
      expect(harness.queries.map((q) => `${q.model}.${q.operation}`)).toEqual(["Generation.findMany"]);
    });
  });
});
