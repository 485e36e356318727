// A page's events are read with only the columns the query selects, as one JSON array per
// generation (src/generations/event-selection.ts, history-reads.ts selectEventsOf): the values
// must be exactly those of the stored rows, whatever the selection's shape.
import { afterAll, beforeAll, expect, it } from "vitest";
import { countStatements, installCounter } from "../../bench/lib/statement-counter";
import { TERMINAL_STATUSES } from "../../src/generations/status";
import { describeEachDatabase } from "../support/databases";
import { type Harness, VALID_INPUT, localId, startHarness } from "../support/harness";

const ALL_FIELDS = "sequence type at fromStatus toStatus method path httpStatus durationMs attempt errorCode message";

describeEachDatabase("a page's events, only the selected columns", (target) => {
  let harness: Harness;
  let ids: string[];

  beforeAll(async () => {
    installCounter();
    harness = await startHarness(target, { standInOptions: { jobDurationMs: 60 } });
    ids = [];
    for (const seed of [1, 2, 3]) ids.push(localId((await harness.generate({ ...VALID_INPUT, seed })).generation.id));
    for (const id of ids) expect((await harness.waitForStatus(id, [...TERMINAL_STATUSES])).status).toBe("SUCCEEDED");
    // A generation with no event at all still answers [], and notes with odd text survive JSON.
    await harness.db.generationEvent.createMany({
      data: [
        { generationId: ids[0]!, type: "NOTE", message: 'quote " backslash \\ newline \n unicode ✓', errorCode: "X", createdAt: new Date("2026-01-02T03:04:05.678Z") },
      ],
    });
  });
  afterAll(() => harness?.close());

  /** The stored events, as GraphQL shows them (every field). */
  async function stored(id: string) {
    const rows = await harness.db.generationEvent.findMany({ where: { generationId: id }, orderBy: { id: "asc" } });
    return rows.map((row) => ({
      sequence: row.id,
      type: row.type,
      at: row.createdAt.toISOString(),
      fromStatus: row.fromStatus,
      toStatus: row.toStatus,
      method: row.method,
      path: row.path,
      httpStatus: row.httpStatus,
      durationMs: row.durationMs,
      attempt: row.attempt,
      errorCode: row.errorCode,
      message: row.message,
    }));
  }

  const page = async (selection: string, fragments = "") => {
    const result = await harness.gql(`query { generations(first: 10) { edges { node { id events { ${selection} } } } } } ${fragments}`, {});
    expect(result.errors).toBeUndefined();
    return new Map<string, any[]>(result.data.generations.edges.map((edge: any) => [localId(edge.node.id), edge.node.events]));
  };

  it("every field: the stored rows, in order, dates and odd text intact", async () => {
    const events = await page(ALL_FIELDS);
    for (const id of ids) {
      const expected = await stored(id);
      expect(expected.length).toBeGreaterThan(3);
      expect(events.get(id)).toEqual(expected);
    }
  });

  it("a few fields, through an inline and a named fragment: the same values, and the read names only those columns", async () => {
    let events = new Map<string, any[]>();
    const count = await countStatements(
      async () => {
        events = await page("__typename ... on GenerationEvent { type } ...Call", "fragment Call on GenerationEvent { httpStatus path }");
      },
      { keepSql: true },
    );
    for (const id of ids) {
      const expected = (await stored(id)).map((event) => ({ __typename: "GenerationEvent", type: event.type, httpStatus: event.httpStatus, path: event.path }));
      expect(events.get(id)).toEqual(expected);
    }
    // The events' own read (the page's statement counts them too: FROM "GenerationEvent" AS "e").
    const read = count.sql?.find((sql) => sql.includes('FROM "GenerationEvent" WHERE')) ?? "";
    expect(read).toContain('"httpStatus"');
    expect(read).not.toContain('"message"');
    expect(read).not.toContain('"createdAt"');
  });

  it("a generation without events answers an empty list", async () => {
    await harness.db.generationEvent.deleteMany({ where: { generationId: ids[2]! } });
    const events = await page("sequence message");
    expect(events.get(ids[2]!)).toEqual([]);
    expect(events.get(ids[1]!)?.length).toBeGreaterThan(3);
  });
});
