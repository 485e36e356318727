// The event lists a gateway keeps in memory (src/generations/event-lists.ts): a page seen again
// reads no events, and any event written since, by any writer, is on the next page.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGeneration } from "../../src/generations/create";
import { describeEachDatabase } from "../support/databases";
import { type Harness, VALID_INPUT, startHarness } from "../support/harness";

const PAGE = `query($first: Int) { generations(first: $first) { edges { node { id events { sequence type message } } } } }`;
const TYPES_ONLY = `query($first: Int) { generations(first: $first) { edges { node { id events { type } } } } }`;

type Page = { generations: { edges: Array<{ node: { id: string; events: Array<Record<string, unknown>> } }> } };

describeEachDatabase("generations: event lists kept in memory", (target) => {
  let harness: Harness;
  let ids: string[];

  beforeAll(async () => {
    // No worker: the events are the ones written here.
    harness = await startHarness(target, { start: false });
    ids = [];
    for (let i = 0; i < 4; i++) ids.push((await createGeneration(harness.gateway.services, { ...VALID_INPUT, seed: 500 + i, resolution: "480p" })).generation.id);
    await harness.db.generationEvent.createMany({
      data: ids.flatMap((generationId) => [1, 2].map((n) => ({ generationId, type: "NOTE", message: `note ${n}`, createdAt: new Date() }))),
    });
  });
  afterAll(() => harness?.close());

  async function page(query = PAGE, first = 4): Promise<{ data: Page; statements: string[] }> {
    harness.queries.length = 0;
    const result = await harness.gql(query, { first });
    expect(result.errors).toBeUndefined();
    return { data: result.data as Page, statements: harness.queries.map((q) => `${q.model}.${q.operation}`) };
  }

  /** Every event of the page's generations as the database holds them, in the page's shape. */
  async function stored(): Promise<Map<string, Array<{ type: string; message: string | null }>>> {
    const rows = await harness.db.generationEvent.findMany({ where: { generationId: { in: ids } }, orderBy: { id: "asc" } });
    const byId = new Map<string, Array<{ type: string; message: string | null }>>();
    for (const row of rows) byId.set(row.generationId, [...(byId.get(row.generationId) ?? []), { type: row.type, message: row.message }]);
    return byId;
  }

  function shown(data: Page): Map<string, Array<{ type: unknown; message: unknown }>> {
    return new Map(
      data.generations.edges.map(({ node }) => [
        Buffer.from(node.id, "base64").toString().split(":")[1] as string,
        node.events.map((event) => ({ type: event.type, message: event.message })),
      ]),
    );
  }

  it("a page seen again reads no events, and answers the same", async () => {
    const first = await page();
    expect(first.statements).toContain("GenerationEvent.findMany");
    const again = await page();
    expect(again.statements).toEqual(["Generation.findMany"]);
    expect(again.data).toEqual(first.data);
    expect(shown(again.data)).toEqual(await stored());
  });

  it("an event written by another writer (another instance, a CLI) is on the next page", async () => {
    await page();
    const target = ids[1] as string;
    // Straight into the database, not through this gateway: nothing tells its cache.
    await harness.db.generationEvent.create({ data: { generationId: target, type: "NOTE", message: "written elsewhere", createdAt: new Date() } });
    const next = await page();
    expect(next.statements).toContain("GenerationEvent.findMany");
    expect(shown(next.data).get(target)?.at(-1)).toEqual({ type: "NOTE", message: "written elsewhere" });
    expect(shown(next.data)).toEqual(await stored());
    // The new list is held in turn.
    expect((await page()).statements).toEqual(["Generation.findMany"]);
  });

  it("keeps lists per column selection: a narrower selection reads its own, a wider one is not served a narrow list", async () => {
    await page();
    const narrow = await page(TYPES_ONLY);
    expect(narrow.statements).toContain("GenerationEvent.findMany");
    expect(Object.keys(narrow.data.generations.edges[0]?.node.events[0] ?? {})).toEqual(["type"]);
    const wide = await page();
    expect(wide.statements).toEqual(["Generation.findMany"]);
    expect(shown(wide.data)).toEqual(await stored());
  });

  it("holds at most EVENT_CACHE_EVENTS events, and 0 holds none", async () => {
    const lists = harness.gateway.services.eventLists;
    expect(lists?.size).toBeGreaterThan(0);
    const small = await startHarness(target, { start: false, database: harness.database, eventCacheEvents: 7 });
    const off = await startHarness(target, { start: false, database: harness.database, eventCacheEvents: 0 });
    try {
      for (const gateway of [small, off]) {
        for (let round = 0; round < 2; round++) {
          const result = await gateway.gql(PAGE, { first: 4 });
          expect(result.errors).toBeUndefined();
          expect(shown(result.data as Page)).toEqual(await stored());
        }
      }
      // Each list holds 3 or 4 events: two lists fit in 7, never the page's four.
      expect(small.gateway.services.eventLists?.size).toBeGreaterThan(0);
      expect(small.gateway.services.eventLists?.size).toBeLessThanOrEqual(7);
      expect(off.gateway.services.eventLists?.size).toBe(0);
      off.queries.length = 0;
      await off.gql(PAGE, { first: 4 });
      expect(off.queries.map((q) => `${q.model}.${q.operation}`)).toContain("GenerationEvent.findMany");
    } finally {
      await small.close();
      await off.close();
    }
  });
});
