import { afterEach, describe, expect, it } from "vitest";
import { createGeneration } from "../../src/generations/create";
import { describeEachDatabase, databaseTargets } from "../support/databases";
import { type Harness, VALID_INPUT, localId, startHarness } from "../support/harness";

// The worker's behaviour does not depend on the database; SQLite keeps these fast.
const sqlite = databaseTargets().find((target) => target.provider === "sqlite")!;

const TERMINAL = ["SUCCEEDED", "FAILED", "CANCELED", "EXPIRED"] as const;

async function upstreamCalls(harness: Harness) {
  return harness.db.generationEvent.findMany({ where: { type: "UPSTREAM_CALL" }, orderBy: { id: "asc" } });
}

describe("rate limits (429 and SEGMIND_MAX_RPM)", () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it("a 429 closes the gate for every request until x-rate-limit-reset-at-utc, and uses no submit attempt", async () => {
    harness = await startHarness(sqlite, { standInOptions: { jobDurationMs: 100 } });
    // Wide enough that, on a loaded machine, the two later requests and the page query all
    // happen while the gate is still closed (700 ms failed about one run in three under load).
    const resetAt = new Date(Date.now() + 2_500);
    harness.standIn.inject({
      route: "submit",
      kind: { status: 429, body: '{"error":"Too many requests"}', headers: { "x-rate-limit-reset-at-utc": resetAt.toISOString() } },
    });
    const first = localId((await harness.generate({ ...VALID_INPUT, seed: 1 })).generation.id);
    // Once the first submit was refused, two more arrive: they must wait for the reset too.
    await waitFor(async () =>
      (await harness!.db.generationEvent.count({ where: { generationId: first, errorCode: "RATE_LIMITED", toStatus: "QUEUED" } })) === 1,
    );
    const refusedAt = Date.now();
    const others = [
      localId((await harness.generate({ ...VALID_INPUT, seed: 2 })).generation.id),
      localId((await harness.generate({ ...VALID_INPUT, seed: 3 })).generation.id),
    ];
    // While closed: the queued ones are QUEUED with their place in line, and nothing goes out.
    const page = await harness.gql(`{ generations(first: 10) { edges { node { status queuePosition } } } }`);
    expect(page.data.generations.edges.map((edge: any) => edge.node)).toEqual([
      { status: "QUEUED", queuePosition: 3 },
      { status: "QUEUED", queuePosition: 2 },
      { status: "QUEUED", queuePosition: 1 },
    ]);

    for (const id of [first, ...others]) {
      const row = await harness.waitForStatus(id, [...TERMINAL]);
      expect(row.status, row.errorMessage ?? "").toBe("SUCCEEDED");
      // The 429 was not an attempt: Segmind refused it unseen.
      expect(row.attempts).toBe(1);
    }
    const calls = await upstreamCalls(harness);
    expect(calls.filter((call) => call.httpStatus === 429)).toHaveLength(1);
    const afterRefusal = calls.filter((call) => call.httpStatus !== 429 && call.createdAt.getTime() >= refusedAt - 5);
    // Every request after the 429 went out at or after the reset time (events are written after the call).
    for (const call of afterRefusal) expect(call.createdAt.getTime()).toBeGreaterThanOrEqual(resetAt.getTime() - 5);
    expect(harness.standIn.stats.submitsAccepted).toBe(3);
    const event = await harness.db.generationEvent.findFirstOrThrow({
      where: { generationId: first, errorCode: "RATE_LIMITED", toStatus: "QUEUED" },
    });
    expect(event.message).toContain("no attempt was used");
    expect(event.message).toContain(resetAt.toISOString());
  });

  it("a 429 while polling pauses polls too, without failing the job", async () => {
    harness = await startHarness(sqlite, { standInOptions: { jobDurationMs: 300 } });
    const resetAt = new Date(Date.now() + 500);
    harness.standIn.inject({
      route: "status",
      kind: { status: 429, body: '{"error":"Too many requests"}', headers: { "x-rate-limit-reset-at-utc": resetAt.toISOString() } },
    });
    const id = localId((await harness.generate(VALID_INPUT)).generation.id);
    const row = await harness.waitForStatus(id, [...TERMINAL]);
    expect(row.status).toBe("SUCCEEDED");
    const calls = await upstreamCalls(harness);
    const refused = calls.findIndex((call) => call.httpStatus === 429);
    expect(refused).toBeGreaterThan(0);
    expect(calls[refused + 1]!.createdAt.getTime()).toBeGreaterThanOrEqual(resetAt.getTime() - 5);
  });

  it("a 429 without a reset time backs off; a submit refused every time fails RATE_LIMITED, unbilled, after rateLimitMaxWaits", async () => {
    harness = await startHarness(sqlite, { worker: { rateLimitMaxWaits: 3 } });
    harness.standIn.inject({ route: "submit", kind: { status: 429, body: '{"error":"Too many requests"}' }, times: 3 });
    const id = localId((await harness.generate(VALID_INPUT)).generation.id);
    const row = await harness.waitForStatus(id, [...TERMINAL]);
    expect(row.status).toBe("FAILED");
    expect(row.errorCode).toBe("RATE_LIMITED");
    expect(row.errorMessage).toMatch(/3 times.*nothing was billed/);
    expect(row.attempts).toBe(0);
    const posts = (await upstreamCalls(harness)).filter((call) => call.method === "POST");
    expect(posts.map((call) => call.httpStatus)).toEqual([429, 429, 429]);
    expect(harness.standIn.stats.submitsAccepted).toBe(0);
  });

  it("SEGMIND_MAX_RPM keeps the gateway under the account's limit before Segmind has to say so", async () => {
    // The stand-in enforces 4 requests per clock minute; the gateway is told the same. Both
    // count per UTC minute, so the few seconds below must not straddle one (a new minute
    // would rightly allow 4 more): start early in a minute.
    const leftInMinute = 60_000 - (Date.now() % 60_000);
    if (leftInMinute < 5_000) await new Promise((resolve) => setTimeout(resolve, leftInMinute + 50));
    harness = await startHarness(sqlite, { worker: { maxRequestsPerMinute: 4 }, standInOptions: { jobDurationMs: 200 } });
    harness.standIn.setRateLimit(4);
    const ids = [];
    for (const seed of [1, 2, 3]) ids.push(localId((await harness.generate({ ...VALID_INPUT, seed })).generation.id));
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const { stats } = harness.standIn;
    // 4 requests (submits and polls), then the gateway waits for the window instead of drawing 429s.
    expect(stats.submitAttempts + stats.statusPolls + stats.resultFetches + stats.creditReads).toBe(4);
    expect((await upstreamCalls(harness)).filter((call) => call.httpStatus === 429)).toHaveLength(0);
    // A credits read does not wait for the window: it serves the last known balance.
    const credits = await harness.gql("{ credits { freshness upstreamError { code } } }");
    expect(credits.data.credits).toMatchObject({ freshness: "UNAVAILABLE", upstreamError: { code: "RATE_LIMITED" } });
    expect(stats.creditReads).toBe(0);
  });
});

describeEachDatabase("queuePosition", (target) => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it("is the place among QUEUED rows in creation order, null otherwise, in two queries for any page size", async () => {
    harness = await startHarness(target, { start: false });
    const ids: string[] = [];
    for (let seed = 1; seed <= 8; seed += 1) {
      ids.push((await createGeneration(harness.gateway.services, { ...VALID_INPUT, seed, resolution: "480p" })).generation.id);
    }
    // The second-oldest has left the queue.
    await harness.db.generation.update({ where: { id: ids[1] }, data: { status: "RUNNING" } });
    const query = `query Page($first: Int) { generations(first: $first) { edges { node { seed status queuePosition } } } }`;

    const page = await harness.gql(query, { first: 8 });
    expect(page.errors).toBeUndefined();
    expect(page.data.generations.edges.map((edge: any) => [edge.node.seed, edge.node.queuePosition])).toEqual([
      [8, 7],
      [7, 6],
      [6, 5],
      [5, 4],
      [4, 3],
      [3, 2],
      [2, null],
      [1, 1],
    ]);

    const positionQueries = async (first: number) => {
      harness!.queries.length = 0;
      const result = await harness!.gql(query, { first });
      expect(result.errors).toBeUndefined();
      return harness!.queries.map((q) => `${q.model}.${q.operation}`).sort();
    };
    const small = await positionQueries(2);
    const large = await positionQueries(8);
    expect(large).toEqual(small);
    expect(large).toEqual(["Generation.count", "Generation.findMany", "Generation.findMany"]);

    const one = await harness.gql(`query One($id: ID!) { generation(id: $id) { queuePosition } }`, { id: ids[7] });
    expect(one.data.generation.queuePosition).toBe(7);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
