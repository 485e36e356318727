// Updates that arrive together (one feed read) travel as one batch from generationsUpdated's
// stream to the socket: one write for all their messages over SSE, each still its own
// message; any other transport gets them one by one (src/http/message-batches.ts).
import { request } from "node:http";
import { afterAll, beforeAll, expect, it } from "vitest";
import { databaseTargets } from "../support/databases";
import { type Harness, VALID_INPUT, localId, startHarness } from "../support/harness";

const WATCH = "subscription { generationsUpdated { sequence event { type message } } }";

let harness: Harness;
let baseUrl: string;
let generationId: string;
beforeAll(async () => {
  harness = await startHarness(databaseTargets().find((target) => target.provider === "sqlite") as ReturnType<typeof databaseTargets>[number]);
  baseUrl = await harness.listen();
  const { generation } = await harness.generate(VALID_INPUT);
  generationId = localId(generation.id);
  await harness.waitForStatus(generationId, ["SUCCEEDED"]);
});
afterAll(() => harness?.close());

/** A subscription over raw HTTP, as an event stream: every chunk its socket delivered, as text. */
async function rawSubscription(accept: string) {
  const chunks: string[] = [];
  let close = () => {};
  await new Promise<void>((resolve, reject) => {
    const req = request(`${baseUrl}/graphql`, { method: "POST", headers: { "content-type": "application/json", accept } }, (res) => {
      expect(res.statusCode).toBe(200);
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => chunks.push(chunk));
      res.on("error", () => {});
      close = () => res.destroy();
      resolve();
    });
    req.on("error", reject);
    req.end(JSON.stringify({ query: WATCH }));
  });
  while (harness.gateway.services.feed.listening === 0) await new Promise((done) => setTimeout(done, 5));
  return { chunks, close };
}

/** `count` notes written at once, then the feed asked to read: one read finds them all. */
async function notesTogether(count: number, label: string): Promise<number[]> {
  await harness.db.generationEvent.createMany({
    data: Array.from({ length: count }, (_, i) => ({ generationId, type: "NOTE", message: `${label} ${i}`, createdAt: new Date() })),
  });
  const rows = await harness.db.generationEvent.findMany({ where: { message: { startsWith: `${label} ` } }, orderBy: { id: "asc" } });
  harness.gateway.services.feed.requestRead();
  return rows.map((row) => row.id);
}

it("50 events read together reach an SSE subscriber in one write, each its own message, in order", async () => {
  const stream = await rawSubscription("text/event-stream");
  const sequences = await notesTogether(50, "sse");
  const messages = () => stream.chunks.join("").split("\n\n").filter((block) => block.startsWith("event: next"));
  while (messages().length < 50) await new Promise((done) => setTimeout(done, 10));
  await new Promise((done) => setTimeout(done, 100));
  const updates = messages().map((block) => JSON.parse(block.slice(block.indexOf("data: ") + 6)).data.generationsUpdated);
  expect(updates.map((update: { sequence: number }) => update.sequence)).toEqual(sequences);
  expect(updates.map((update: { event: { message: string } }) => update.event.message)).toEqual(sequences.map((_, i) => `sse ${i}`));
  // One write: the socket delivered them in one chunk (the keep-alive comment came before).
  expect(stream.chunks.filter((chunk) => chunk.includes("event: next"))).toHaveLength(1);
  stream.close();
  while (harness.gateway.services.feed.listening > 0) await new Promise((done) => setTimeout(done, 5));
});

it("a subscription asked for as anything but an event stream is refused (so batches meet only event-stream.ts)", async () => {
  for (const accept of ["multipart/mixed", "application/json", "application/graphql-response+json"]) {
    const response = await fetch(`${baseUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", accept },
      body: JSON.stringify({ query: WATCH }),
    });
    expect(response.status, accept).toBe(406);
    await response.body?.cancel();
  }
  expect(harness.gateway.services.feed.listening).toBe(0);
});
