// The event feed's read (src/generations/feed-reads.ts): on PostgreSQL one statement joining
// the events to their generations, on SQLite two. Either way the rows must be exactly those
// Prisma reads (every column's type), each event with its generation as it is now, one object
// per generation.
import { afterAll, beforeAll, expect, it } from "vitest";
import { EVENT_COLUMN_NAMES } from "../../src/generations/event-selection";
import { selectEventsAfter } from "../../src/generations/feed-reads";
import { describeEachDatabase } from "../support/databases";
import { type Harness, VALID_INPUT, localId, startHarness } from "../support/harness";

describeEachDatabase("the event feed's read", (target) => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness(target, { start: false });
  });
  afterAll(() => harness?.close());

  it("returns the events after a sequence, in order, each with its generation, as Prisma reads them", async () => {
    const ids: string[] = [];
    for (const seed of [1, 2, 3]) ids.push(localId((await harness.generate({ ...VALID_INPUT, seed, cameraFixed: seed === 2 })).generation.id));
    const journal = harness.gateway.services.journal;
    await journal.recordCalls(ids[0] as string, [{ method: "GET", path: "/v2/requests/x/status", httpStatus: 200, durationMs: 12.4 }], 2);
    await journal.transition(ids[1] as string, "QUEUED", "CANCELED", { errorCode: null, costUsd: 0.125 }, { message: "stop" });
    const first = await harness.db.generationEvent.findFirstOrThrow({ where: { generationId: ids[0] as string }, orderBy: { id: "asc" } });

    const read = await selectEventsAfter(harness.db, first.id - 1, 100);

    const select = Object.fromEntries(EVENT_COLUMN_NAMES.map((name) => [name, true]));
    const events = await harness.db.generationEvent.findMany({ where: { id: { gt: first.id - 1 } }, orderBy: { id: "asc" }, select });
    const generations = await harness.db.generation.findMany({ where: { id: { in: ids } } });
    const expected = events.map((event) => ({ ...event, generation: generations.find((row) => row.id === event.generationId) }));
    expect(read).toStrictEqual(expected);
    expect(read.map((event) => event.generationId)).toContain(ids[2]);
    // One object per generation, shared by its events.
    const ofFirst = read.filter((event) => event.generationId === ids[0]);
    expect(ofFirst.length).toBeGreaterThan(1);
    expect(ofFirst.every((event) => event.generation === ofFirst[0]?.generation)).toBe(true);
    // A limit counts events, after the sequence given.
    const two = await selectEventsAfter(harness.db, first.id - 1, 2);
    expect(two.map((event) => event.id)).toEqual(events.slice(0, 2).map((event) => event.id));
    expect(await selectEventsAfter(harness.db, events.at(-1)?.id ?? 0, 10)).toEqual([]);
  });
});
