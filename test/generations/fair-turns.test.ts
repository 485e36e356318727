// Streams draining a backlog share the event loop in slices (fairTurn in
// src/generations/updates.ts): whatever else the process has to do (the worker's replies, a
// database answer, a timer) runs between slices, not after every stream has sent everything.
import { afterAll, beforeAll, expect, it } from "vitest";
import { type OpenDatabase, openDatabase } from "../../src/db/client";
import type { EventFeed, FeedItem } from "../../src/generations/event-feed";
import type { ProgressEstimator } from "../../src/generations/progress";
import { allGenerationUpdates } from "../../src/generations/updates";
import type { GenerationEventRow, GenerationRow } from "../../src/generations/types";
import { type FreshDatabase, createFreshDatabase } from "../support/databases";

let fresh: FreshDatabase;
let database: OpenDatabase;
beforeAll(async () => {
  fresh = await createFreshDatabase("sqlite");
  database = await openDatabase(fresh.url);
});
afterAll(async () => {
  await database?.close();
  await fresh?.drop();
});

/** A feed that hands out what the test gives it, to every stream, as the event feed does. */
function handFeed() {
  const listeners = new Set<(items: readonly FeedItem[]) => void>();
  const feed = {
    subscribe: async (listener: (items: readonly FeedItem[]) => void) => {
      listeners.add(listener);
      return { watermark: 0, close: () => listeners.delete(listener) };
    },
  } as unknown as EventFeed;
  return { feed, handOut: (items: FeedItem[]) => listeners.forEach((listener) => listener(items)), listening: () => listeners.size };
}

/** Each message costs its stream this much CPU (serialising and writing it, in the gateway). */
function sendCost(ms: number) {
  const until = performance.now() + ms;
  while (performance.now() < until) {}
}

it("a timer due when 100 streams start draining 300 events each runs after a slice, long before the drain ends", async () => {
  const { feed, handOut, listening } = handFeed();
  const progress = { view: async () => ({ progress: 0, estimatedCompletionAt: null }) } as unknown as ProgressEstimator;
  const deps = { db: database.db, feed, progress, progressTickMs: 60_000 };
  const controller = new AbortController();
  const streams = 100;
  const perStream = 300;
  let delivered = 0;
  const drained = Array.from({ length: streams }, async () => {
    let mine = 0;
    for await (const _update of allGenerationUpdates(deps, 0, { statuses: null }, {}, controller.signal)) {
      sendCost(0.01);
      delivered++;
      if (++mine === 1 + perStream) break;
    }
  });
  while (listening() < streams) await new Promise((done) => setTimeout(done, 5));
  const generation = { id: "g1", teamId: "t1", status: "RUNNING", batchId: null } as unknown as GenerationRow;
  const item = (id: number) => ({ event: { id, generationId: "g1", type: "UPSTREAM_CALL" } as unknown as GenerationEventRow, generation });
  // One event first: every stream is then past its start and waiting on the feed.
  handOut([item(1)]);
  while (delivered < streams) await new Promise((done) => setTimeout(done, 5));
  delivered = 0;

  const items = Array.from({ length: perStream }, (_, i) => item(i + 2));
  let deliveredWhenTimerRan = -1;
  const timer = new Promise<void>((done) =>
    setTimeout(() => {
      deliveredWhenTimerRan = delivered;
      done();
    }, 0),
  );
  handOut(items);
  await timer;
  // 30,000 messages at ≥ 10 µs each: ≥ 300 ms of sending. The timer waits for one slice (20 ms)
  // and what the turn before it holds, not for all of it.
  const total = streams * perStream;
  while (delivered < total) await new Promise((done) => setTimeout(done, 20));
  controller.abort();
  await Promise.all(drained);
  expect(delivered).toBe(total);
  expect(deliveredWhenTimerRan).toBeGreaterThan(0);
  expect(deliveredWhenTimerRan).toBeLessThan(total / 4);
}, 30_000);
