import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { EventFeed, type FeedItem } from "../../src/generations/event-feed";
import { InProcessNotifier } from "../../src/generations/notifier";
import { postgresOpenTransactions } from "../../src/generations/open-transactions";
import { MAX_REPLAY_EVENTS } from "../../src/generations/updates";
import { describeEachDatabase, queryDatabase } from "../support/databases";
import { type Harness, VALID_INPUT, localId, startHarness } from "../support/harness";
import { type SseSubscription, subscribe } from "../support/sse";

const ALL = `subscription($after: Int) {
  generationsUpdated(after: $after) { kind sequence event { type toStatus } generation { id status } }
}`;

const eventReads = (harness: Harness) =>
  harness.queries.filter((query) => query.model === "GenerationEvent" || query.model === "Generation").length;

async function sequencesOf(stream: SseSubscription, count: number): Promise<number[]> {
  const sequences: number[] = [];
  while (sequences.length < count) sequences.push((await stream.next()).data.generationsUpdated.sequence);
  return sequences;
}

describeEachDatabase("the event feed behind subscriptions", (target) => {
  let harness: Harness;
  let baseUrl: string;

  beforeAll(async () => {
    harness = await startHarness(target, { standInOptions: { jobDurationMs: 300 }, subscriptionLimits: { perKey: 100, perAddress: 100 } });
    baseUrl = await harness.listen();
  });
  afterAll(() => harness?.close());

  it("gives 20 subscribers every event in order for one read per change, and idle subscribers cost no database work", async () => {
    const streams = await Promise.all(Array.from({ length: 20 }, () => subscribe(baseUrl, ALL, {})));
    // Let every subscription begin (each reads where "now" is once), then count from here.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const idleFrom = eventReads(harness);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    // At most the feed's safety read (every 2 s) while 20 subscribers wait: not one per subscriber.
    expect(eventReads(harness) - idleFrom).toBeLessThanOrEqual(2);

    const created = await Promise.all([1, 2, 3].map((seed) => harness.generate({ ...VALID_INPUT, seed })));
    const ids = created.map((result) => localId(result.generation.id));
    await Promise.all(ids.map((id) => harness.waitForStatus(id, ["SUCCEEDED"])));
    const expected = (
      await harness.db.generationEvent.findMany({ where: { generationId: { in: ids } }, orderBy: { id: "asc" }, select: { id: true } })
    ).map((event) => event.id);
    const received = await Promise.all(streams.map((stream) => sequencesOf(stream, expected.length)));
    for (const sequences of received) expect(sequences).toEqual(expected);
    for (const stream of streams) stream.close();
  });

  it("with readGapMs, the first read after a quiet spell goes at once and the wake-ups of the next gap share one read", async () => {
    const { generation } = await harness.generate({ ...VALID_INPUT, seed: 78 });
    const id = localId(generation.id);
    await harness.waitForStatus(id, ["SUCCEEDED"]);
    const notifier = new InProcessNotifier();
    const gapMs = 300;
    // No safety read within the test: only the notifier's wake-ups read. A hole timeout of 1 ms:
    // the feed starts after every event written so far (none of them is handed out).
    await new Promise((done) => setTimeout(done, 10));
    const feed = new EventFeed({ db: harness.db, notifier, safetyReadMs: 60_000, holeTimeoutMs: 1, readGapMs: gapMs });
    const deliveries: { at: number; sequences: number[] }[] = [];
    const subscription = await feed.subscribe((items) => deliveries.push({ at: performance.now(), sequences: items.map((item) => item.event.id) }));
    const note = async (message: string) => {
      const event = await harness.db.generationEvent.create({ data: { generationId: id, type: "NOTE", message, createdAt: new Date() } });
      notifier.notify(id);
      return event.id;
    };
    // Quiet until now (the subscription's start is not a read): the first goes at once.
    const startedAt = performance.now();
    const first = await note("first");
    while (deliveries.length < 1) await new Promise((done) => setTimeout(done, 5));
    expect((deliveries[0]?.at as number) - startedAt).toBeLessThan(gapMs);
    // Three more, each woken at once, within the gap after that read: one read for all three.
    const more = [await note("second"), await note("third"), await note("fourth")];
    while (deliveries.length < 2) await new Promise((done) => setTimeout(done, 5));
    await new Promise((done) => setTimeout(done, gapMs));
    expect(deliveries.map((delivery) => delivery.sequences)).toEqual([[first], more]);
    expect((deliveries[1]?.at as number) - (deliveries[0]?.at as number)).toBeGreaterThanOrEqual(gapMs - 50);
    subscription.close();
  });

  it("refuses a replay longer than MAX_REPLAY_EVENTS with a typed error, before sending any of it", async () => {
    const { generation } = await harness.generate({ ...VALID_INPUT, seed: 77 });
    await harness.waitForStatus(localId(generation.id), ["SUCCEEDED"]);
    await queryDatabase(
      harness.database,
      `INSERT INTO "GenerationEvent" ("generationId", "type", "message", "createdAt")
       WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${MAX_REPLAY_EVENTS + 1})
       SELECT '${localId(generation.id)}', 'NOTE', 'filler', (SELECT "createdAt" FROM "GenerationEvent" LIMIT 1) FROM n`,
    );
    const stream = await subscribe(baseUrl, ALL, { after: 0 });
    const first = await stream.next();
    expect(first.data).toBeNull();
    expect(first.errors[0].extensions.code).toBe("REPLAY_TOO_LONG");
    expect(await stream.next()).toBeNull();
  });
});

describeEachDatabase(
  "the event feed on PostgreSQL, without a lock on event writes",
  (target) => {
    let harness: Harness;

    beforeAll(async () => {
      harness = await startHarness(target, { standInOptions: { jobDurationMs: 200 } });
    });
    afterAll(() => harness?.close());

    /** A transaction that took a sequence value for an event and has not committed. */
    async function openEventTransaction(generationId: string) {
      const client = new pg.Client({ connectionString: harness.database.url });
      await client.connect();
      await client.query("BEGIN");
      const { rows } = await client.query(
        `INSERT INTO "GenerationEvent" ("generationId", "type", "message", "createdAt") VALUES ($1, 'NOTE', 'late', now()) RETURNING id`,
        [generationId],
      );
      return {
        sequence: Number(rows[0].id),
        end: async (how: "COMMIT" | "ROLLBACK") => {
          await client.query(how);
          await client.end();
        },
      };
    }

    it("holds back events after a sequence value still uncommitted, then delivers it first: no gap, in order", async () => {
      const { generation } = await harness.generate({ ...VALID_INPUT, seed: 5 });
      const first = localId(generation.id);
      await harness.waitForStatus(first, ["SUCCEEDED"]);
      const received: number[] = [];
      const subscription = await harness.gateway.services.feed.subscribe((items) => received.push(...items.map((item) => item.event.id)));

      const late = await openEventTransaction(first);
      const second = localId((await harness.generate({ ...VALID_INPUT, seed: 6 })).generation.id);
      await harness.waitForStatus(second, ["SUCCEEDED"]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      // The second generation's events committed after the open one took its value: held back
      // (what the feed hands out first is the recent history above its starting point).
      const fromLate = () => received.filter((sequence) => sequence >= late.sequence);
      expect(fromLate()).toEqual([]);

      await late.end("COMMIT");
      harness.gateway.services.feed.requestRead();
      const expected = (await harness.db.generationEvent.findMany({ where: { id: { gte: late.sequence } }, orderBy: { id: "asc" } })).map(
        (event) => event.id,
      );
      for (const deadline = Date.now() + 5_000; fromLate().length < expected.length && Date.now() < deadline; ) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(fromLate()).toEqual(expected);
      expect(fromLate()[0]).toBe(late.sequence);
      // In order and once each, across the whole subscription.
      expect(received).toEqual([...new Set(received)].sort((a, b) => a - b));
      subscription.close();
    });

    /** A feed of its own on the harness's database (woken by `notifier`), and what it delivered. */
    async function watchFeed(holeTimeoutMs: number) {
      const notifier = new InProcessNotifier();
      const feed = new EventFeed({
        db: harness.db,
        notifier,
        safetyReadMs: 50,
        holeTimeoutMs,
        openTransactions: postgresOpenTransactions(harness.db),
      });
      const received: FeedItem[] = [];
      const subscription = await feed.subscribe((items) => received.push(...items));
      return { notifier, received, subscription };
    }

    /**
     * A transaction left open that holds no sequence value. `mayWriteEvents`: it holds what an
     * INSERT of events takes first (ROW EXCLUSIVE on "GenerationEvent"), so the feed cannot tell
     * it from one that took a value; otherwise it only read (or waits on some other lock).
     */
    async function openOtherTransaction(mayWriteEvents: boolean) {
      const client = new pg.Client({ connectionString: harness.database.url });
      await client.connect();
      await client.query("BEGIN");
      await client.query(mayWriteEvents ? `LOCK TABLE "GenerationEvent" IN ROW EXCLUSIVE MODE` : `SELECT count(*) FROM "Generation"`);
      return async () => {
        await client.query("ROLLBACK");
        await client.end();
      };
    }

    it("skips a sequence value rolled back once it is older than the hole timeout, not before, while a transaction that could hold it is open", async () => {
      const { generation } = await harness.generate({ ...VALID_INPUT, seed: 7 });
      const id = localId(generation.id);
      await harness.waitForStatus(id, ["SUCCEEDED"]);
      const { notifier, received, subscription } = await watchFeed(600);

      // Open before the hole is seen: the feed cannot tell it from the one that took the value.
      const endOther = await openOtherTransaction(true);
      const rolledBack = await openEventTransaction(id);
      await rolledBack.end("ROLLBACK");
      const after = await harness.db.generationEvent.create({ data: { generationId: id, type: "NOTE", message: "after", createdAt: new Date() } });
      const writtenAt = Date.now();
      notifier.notify(id);
      const fromHole = () => received.map((item) => item.event.id).filter((sequence) => sequence >= rolledBack.sequence);
      while (fromHole().length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(Date.now() - writtenAt).toBeGreaterThanOrEqual(500);
      expect(fromHole()).toEqual([after.id]);
      expect(after.id).toBe(rolledBack.sequence + 1);
      subscription.close();
      await endOther();
    });

    it("skips a sequence value rolled back without waiting for the timeout once every transaction open when it was seen has ended", async () => {
      const { generation } = await harness.generate({ ...VALID_INPUT, seed: 8 });
      const id = localId(generation.id);
      await harness.waitForStatus(id, ["SUCCEEDED"]);
      // A timeout no test outlives: only the open-transaction look can let the feed pass the hole.
      const { notifier, received, subscription } = await watchFeed(3_600_000);

      const rolledBack = await openEventTransaction(id);
      const stillOpen = await openEventTransaction(id);
      await rolledBack.end("ROLLBACK");
      const after = await harness.db.generationEvent.create({ data: { generationId: id, type: "NOTE", message: "after", createdAt: new Date() } });
      notifier.notify(id);
      const fromHole = () => received.map((item) => item.event.id).filter((sequence) => sequence >= rolledBack.sequence);
      // Held back while the transaction holding the next value is open...
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(fromHole()).toEqual([]);
      // ...then delivered once it commits, and the rolled-back value before it is skipped.
      await stillOpen.end("COMMIT");
      notifier.notify(id);
      for (const deadline = Date.now() + 10_000; fromHole().length < 2 && Date.now() < deadline; ) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(fromHole()).toEqual([stillOpen.sequence, after.id]);
      expect([rolledBack.sequence + 1, rolledBack.sequence + 2]).toEqual([stillOpen.sequence, after.id]);
      expect(received.map((item) => item.event.id)).toEqual([...new Set(received.map((item) => item.event.id))].sort((a, b) => a - b));
      subscription.close();
    });

    it("does not wait for a transaction open when the hole was seen that never wrote an event", async () => {
      const { generation } = await harness.generate({ ...VALID_INPUT, seed: 9 });
      const id = localId(generation.id);
      await harness.waitForStatus(id, ["SUCCEEDED"]);
      const { notifier, received, subscription } = await watchFeed(3_600_000);

      // Open across the whole test, like a transaction queued behind the audit head's lock.
      const endReader = await openOtherTransaction(false);
      const rolledBack = await openEventTransaction(id);
      await rolledBack.end("ROLLBACK");
      const after = await harness.db.generationEvent.create({ data: { generationId: id, type: "NOTE", message: "after", createdAt: new Date() } });
      notifier.notify(id);
      const fromHole = () => received.map((item) => item.event.id).filter((sequence) => sequence >= rolledBack.sequence);
      for (const deadline = Date.now() + 10_000; fromHole().length === 0 && Date.now() < deadline; ) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // Delivered with the other transaction still open (the timeout is an hour).
      expect(fromHole()).toEqual([after.id]);
      subscription.close();
      await endReader();
    });
  },
  { only: ["postgresql"] },
);
