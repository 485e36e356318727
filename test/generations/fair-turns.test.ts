// Streams draining a backlog share the event loop in slices (src/generations/fair-turns.ts):
// whatever else the process has to do (the worker's replies, a database answer, a timer) runs
// between slices, not after every stream has sent everything. Measured through the whole
// subscription path (feed, stream, execution, event stream, socket), with subscribers that
// only count what arrives, so the gateway's work is what holds the loop.
import { request } from "node:http";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Harness, VALID_INPUT, localId, startHarness } from "../support/harness";
import { databaseTargets } from "../support/databases";

let harness: Harness;
let baseUrl: string;
beforeAll(async () => {
  const sqlite = databaseTargets().find((target) => target.provider === "sqlite") as ReturnType<typeof databaseTargets>[number];
  // 0: no limit on open subscriptions per key or address (the defaults allow fewer than 100).
  harness = await startHarness(sqlite, { subscriptionLimits: { perKey: 0, perAddress: 0 } });
  baseUrl = await harness.listen();
});
afterAll(() => harness?.close());

/** A subscriber that counts the messages it receives and parses nothing. */
function countingSubscriber(query: string) {
  let messages = 0;
  let lastAt = 0;
  let carry = "";
  const opened = new Promise<void>((resolve, reject) => {
    const req = request(`${baseUrl}/graphql`, { method: "POST", headers: { "content-type": "application/json", accept: "text/event-stream" } }, (res) => {
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        // "event: next" may be cut between two chunks: look across the boundary too.
        const text = carry + chunk;
        for (let at = text.indexOf("event: next"); at >= 0; at = text.indexOf("event: next", at + 1)) messages++;
        carry = text.slice(-10);
        lastAt = performance.now();
        resolve();
      });
      res.on("error", () => {});
    });
    req.on("error", reject);
    req.end(JSON.stringify({ query }));
  });
  return { opened, received: () => messages, lastAt: () => lastAt };
}

it("100 streams draining 400 events each, each stream its own execution: the loop turns every slice, not once at the end", async () => {
  const { generation } = await harness.generate(VALID_INPUT);
  const id = localId(generation.id);
  await harness.waitForStatus(id, ["SUCCEEDED"]);

  const streams = 100;
  const perStream = 400;
  // A document each (an alias of its own): nothing is shared, every stream executes every event.
  const subscribers = Array.from({ length: streams }, (_, i) =>
    countingSubscriber(`subscription { s${i}: generationsUpdated { kind sequence event { type message } generation { id status } } }`),
  );
  await Promise.all(subscribers.map((subscriber) => subscriber.opened));
  while (harness.gateway.services.feed.listening < streams) await new Promise((done) => setTimeout(done, 5));

  await harness.db.generationEvent.createMany({
    data: Array.from({ length: perStream }, (_, i) => ({ generationId: id, type: "NOTE", message: `backlog ${i}`, createdAt: new Date() })),
  });
  // A timer every 2 ms meanwhile: the longest gap between two of its runs is the longest hold.
  let previous = performance.now();
  let longestGap = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    longestGap = Math.max(longestGap, now - previous);
    previous = now;
  }, 2);
  const startedAt = performance.now();
  harness.gateway.services.feed.requestRead();
  const total = streams * perStream;
  const received = () => subscribers.reduce((sum, subscriber) => sum + subscriber.received(), 0);
  while (received() < total) await new Promise((done) => setTimeout(done, 20));
  clearInterval(ticker);
  const drainedIn = Math.max(...subscribers.map((subscriber) => subscriber.lastAt())) - startedAt;

  expect(received()).toBe(total);
  // 40,000 executions take a while (hundreds of ms); the loop never waits for more than a slice
  // and the batch in hand, far from all of it.
  expect(drainedIn).toBeGreaterThan(200);
  expect(longestGap).toBeLessThan(drainedIn / 4);
}, 60_000);
