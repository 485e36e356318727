import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { SharedCoordination } from "../../src/gateway";
import { databaseTargets } from "../support/databases";
import { type Harness, VALID_INPUT, localId, startHarness } from "../support/harness";
import { parseExposition } from "../support/metrics";
import { connectTestRedis, deleteRedisKeys, describeWithRedis, freshRedisPrefix } from "../support/redis";

/**
 * Segmind down for a while: every submit answers 500 with an error body (nothing accepted, so
 * nothing billed). The circuit breaker on submits opens, queued generations wait QUEUED without
 * using attempts, one probe at a time checks whether Segmind is back, and everything resumes
 * after the heal.
 *
 * The outage lasts OUTAGE_TEST_MS (default 3 s, so the suite stays quick) with a probe every
 * OUTAGE_TEST_PROBE_MS (default 300 ms). The figures in docs/RELIABILITY.md come from
 * `OUTAGE_TEST_MS=60000 OUTAGE_TEST_PROBE_MS=10000 npx vitest run test/faults/outage.test.ts`
 * (the 60 s outage, with the gateway's default probe interval).
 */
const OUTAGE_MS = Number(process.env.OUTAGE_TEST_MS ?? 3_000);
const PROBE_MS = Number(process.env.OUTAGE_TEST_PROBE_MS ?? 300);
const GENERATIONS = 20;

const sqlite = databaseTargets().find((target) => target.provider === "sqlite")!;
const TERMINAL = ["SUCCEEDED", "FAILED", "CANCELED", "EXPIRED"] as const;
const SERVER_ERROR = { status: 500, body: '{"error":"Internal Server Error"}', contentType: "application/json" };
const BREAKER = { minSubmits: 3, errorPercent: 50, windowMs: 10_000, probeAfterMs: PROBE_MS };

const WAITING_QUERY = `{ generations(first: 100) { edges { node { id status attempts waitingForUpstream { since reason giveUpAt byDeadline } } } } }`;

async function sleep(ms: number) {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

async function readyz(url: string) {
  const response = await fetch(`${url}/readyz`);
  return { status: response.status, body: (await response.json()) as any };
}

async function scrape(url: string) {
  return parseExposition(await (await fetch(`${url}/metrics`)).text());
}

/** The outage, measured: 20 queued, Segmind answering 500 to every submit, then healed. */
async function rideOutOutage(harness: Harness, queue: string) {
  const url = await harness.listen();
  harness.standIn.inject({ route: "submit", kind: SERVER_ERROR, times: 1_000_000 });
  const outageStartedAt = Date.now();
  const ids: string[] = [];
  for (let seed = 1; seed <= GENERATIONS; seed += 1) {
    ids.push(localId((await harness.generate({ ...VALID_INPUT, seed })).generation.id));
  }

  // The circuit opens, and every generation is held, marked, still QUEUED.
  await waitFor(async () => (await readyz(url)).body.checks.segmindCircuit.state !== "closed", 10_000, "the circuit to open");
  await waitFor(
    async () => {
      const page = await harness.gql(WAITING_QUERY);
      return page.data.generations.edges.filter((edge: any) => edge.node.waitingForUpstream).length === GENERATIONS;
    },
    10_000,
    "every generation to be marked waiting",
  );
  const during = await harness.gql(WAITING_QUERY);
  for (const { node } of during.data.generations.edges) {
    expect(node.status).toBe("QUEUED");
    expect(node.waitingForUpstream.reason).toMatch(/HTTP 500.*Internal Server Error/);
    expect(node.waitingForUpstream.byDeadline).toBe(false);
    // The gateway's maximum wait (30 min by default) from when it started waiting.
    expect(Date.parse(node.waitingForUpstream.giveUpAt) - Date.parse(node.waitingForUpstream.since)).toBe(1_800_000);
  }
  // /readyz reports the open circuit without failing readiness; /metrics shows it.
  const ready = await readyz(url);
  expect(ready.status).toBe(200);
  expect(ready.body.ready).toBe(true);
  expect(ready.body.checks.segmindCircuit).toMatchObject({ ok: false, critical: false, reason: expect.stringContaining("HTTP 500") });
  expect(["open", "halfOpen"]).toContain(ready.body.checks.segmindCircuit.state);
  const metricsDuring = await scrape(url);
  expect(metricsDuring.value("seedance_gateway_segmind_circuit_state", { state: "closed" })).toBe(0);
  expect(metricsDuring.value("seedance_gateway_segmind_circuit_transitions_total", { to: "open" })).toBeGreaterThanOrEqual(1);
  // All of them, or all but the one a half-open circuit just let through as its probe.
  expect(metricsDuring.value("seedance_gateway_generations_waiting_for_upstream")).toBeGreaterThanOrEqual(GENERATIONS - 1);
  const failedBeforeHeal = await harness.db.generation.count({ where: { status: "FAILED" } });
  expect(failedBeforeHeal).toBe(0);

  // Segmind heals at the end of the outage.
  await sleep(Math.max(0, outageStartedAt + OUTAGE_MS - Date.now()));
  const attemptsDuringOutage = harness.standIn.stats.submitAttempts;
  harness.standIn.clearFaults();
  const healedAt = Date.now();

  const rows = [];
  for (const id of ids) rows.push(await harness.waitForStatus(id, [...TERMINAL], PROBE_MS + 30_000));
  const allDoneAt = Date.now();
  const firstAccepted = Math.min(...harness.standIn.acceptedJobs().map((job) => job.createdAt.getTime()));

  // 20/20 succeeded, each billed once (one accepted submit per seed), no attempt used by the outage.
  for (const row of rows) {
    expect(row.status, row.errorMessage ?? "").toBe("SUCCEEDED");
    expect(row.attempts).toBeLessThanOrEqual(BREAKER.minSubmits);
  }
  const seeds = harness.standIn
    .acceptedJobs()
    .map((job) => job.seed)
    .sort((a, b) => a - b);
  expect(seeds).toEqual(Array.from({ length: GENERATIONS }, (_, i) => i + 1));
  expect(harness.standIn.stats.submitsAccepted).toBe(GENERATIONS);

  // The timeline shows the wait: one WAITING_FOR_UPSTREAM event per generation, and the submit
  // after the heal says how long it waited.
  for (const id of ids) {
    const events = await harness.db.generationEvent.findMany({ where: { generationId: id }, orderBy: { id: "asc" } });
    expect(events.filter((event) => event.type === "WAITING_FOR_UPSTREAM")).toHaveLength(1);
    const waitEvent = events.find((event) => event.type === "WAITING_FOR_UPSTREAM")!;
    expect(waitEvent.message).toMatch(/stays QUEUED, uses no submit attempt/);
    const accepted = events.findIndex((event) => event.toStatus === "SUBMITTED");
    const claim = events[accepted - 2]!; // the claim, then the POST that was accepted
    expect(claim.toStatus).toBe("SUBMITTING");
    expect(claim.message).toMatch(/after waiting \d+ s for Segmind to answer again/);
  }

  // Closed again: readiness and metrics say so.
  const readyAfter = await readyz(url);
  expect(readyAfter.body.checks.segmindCircuit).toMatchObject({ ok: true, state: "closed" });
  const metricsAfter = await scrape(url);
  expect(metricsAfter.value("seedance_gateway_segmind_circuit_state", { state: "closed" })).toBe(1);
  expect(metricsAfter.value("seedance_gateway_segmind_circuit_transitions_total", { to: "closed" })).toBeGreaterThanOrEqual(1);
  expect(metricsAfter.value("seedance_gateway_generations_waiting_for_upstream")).toBe(0);

  const figures = {
    outageMs: healedAt - outageStartedAt,
    probeAfterMs: PROBE_MS,
    generations: GENERATIONS,
    succeeded: rows.filter((row) => row.status === "SUCCEEDED").length,
    submitsRefusedDuringOutage: attemptsDuringOutage,
    probesDuringOutage: metricsAfter.value("seedance_gateway_segmind_circuit_transitions_total", { to: "half_open" }),
    submitsAccepted: harness.standIn.stats.submitsAccepted,
    healToFirstAcceptedMs: firstAccepted - healedAt,
    healToAllSucceededMs: allDoneAt - healedAt,
    attemptsUsed: rows.reduce((sum, row) => sum + row.attempts, 0),
  };
  console.log(`outage figures (${queue} queue): ${JSON.stringify(figures)}`);
  return figures;
}

describe("a Segmind outage (the circuit breaker on submits)", () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it(
    `${OUTAGE_MS / 1000} s of 500s to every submit with ${GENERATIONS} queued: all wait, then all succeed, each billed once`,
    async () => {
      harness = await startHarness(sqlite, { breaker: BREAKER, standInOptions: { jobDurationMs: 150 } });
      await rideOutOutage(harness, "in-process");
    },
    OUTAGE_MS + PROBE_MS + 60_000,
  );

  it("an outage longer than UPSTREAM_OUTAGE_MAX_WAIT_MS fails UPSTREAM_OUTAGE, unbilled; a deadline still applies", async () => {
    harness = await startHarness(sqlite, { breaker: BREAKER, worker: { outageMaxWaitMs: 1_500 } });
    harness.standIn.inject({ route: "submit", kind: SERVER_ERROR, times: 1_000_000 });
    const patient = localId((await harness.generate({ ...VALID_INPUT, seed: 1 })).generation.id);
    const others = [];
    for (const seed of [2, 3]) others.push(localId((await harness.generate({ ...VALID_INPUT, seed })).generation.id));
    const hurried = localId(
      (await harness.generate({ ...VALID_INPUT, seed: 4, deadline: new Date(Date.now() + 1_000).toISOString() })).generation.id,
    );
    const failed = await harness.waitForStatus(patient, [...TERMINAL], 10_000);
    expect(failed.status).toBe("FAILED");
    expect(failed.errorCode).toBe("UPSTREAM_OUTAGE");
    expect(failed.errorMessage).toMatch(/Segmind stayed down .* nothing was billed/);
    const expired = await harness.waitForStatus(hurried, [...TERMINAL], 10_000);
    expect(expired.status).toBe("EXPIRED");
    expect(expired.errorCode).toBe("DEADLINE_EXCEEDED");
    for (const id of others) expect((await harness.waitForStatus(id, [...TERMINAL], 10_000)).errorCode).toBe("UPSTREAM_OUTAGE");
    // Its wait was marked once, and it did not spend its attempts on the outage.
    const waits = await harness.db.generationEvent.count({ where: { generationId: patient, type: "WAITING_FOR_UPSTREAM" } });
    expect(waits).toBe(1);
    expect(failed.attempts).toBeLessThan(3);
    expect(harness.standIn.stats.submitsAccepted).toBe(0);
    const codes = await harness.gql(`{ generation(id: "${patient}") { errorCode errorMessage waitingForUpstream { since } } }`);
    expect(codes.data.generation).toMatchObject({ errorCode: "UPSTREAM_OUTAGE", waitingForUpstream: null });
  });

  it("a probe whose outcome is unknown is not repeated (SUBMIT_OUTCOME_UNKNOWN) and keeps the circuit open; the rest resume", async () => {
    harness = await startHarness(sqlite, { breaker: BREAKER, standInOptions: { jobDurationMs: 150 } });
    const url = await harness.listen();
    harness.standIn.inject({ route: "submit", kind: SERVER_ERROR, times: 1_000_000 });
    const ids = [];
    for (let seed = 1; seed <= 5; seed += 1) ids.push(localId((await harness.generate({ ...VALID_INPUT, seed })).generation.id));
    await waitFor(async () => (await readyz(url)).body.checks.segmindCircuit.state !== "closed", 10_000, "the circuit to open");
    // A submit let through before the circuit opened may still be on the wire (each paid call
    // opens its own connection): wait for it to be answered, so the next submit is the probe.
    await waitFor(async () => (await harness!.db.generation.count({ where: { status: "SUBMITTING" } })) === 0, 10_000, "no submit on the wire");
    // The next submit that goes (the probe) is accepted and billed, but its answer is lost.
    harness.standIn.clearFaults();
    harness.standIn.inject({ route: "submit", kind: "drop-after-accept" });
    const rows = [];
    for (const id of ids) rows.push(await harness.waitForStatus(id, [...TERMINAL], 15_000));
    const unknown = rows.filter((row) => row.status === "FAILED");
    expect(unknown).toHaveLength(1);
    expect(unknown[0]!.errorCode).toBe("SUBMIT_OUTCOME_UNKNOWN");
    // Never resubmitted: the lost probe went out once and was billed once, like every other.
    const posts = await harness.db.generationEvent.count({
      where: { generationId: unknown[0]!.id, type: "UPSTREAM_CALL", method: "POST", httpStatus: null },
    });
    expect(posts).toBe(1);
    expect(rows.filter((row) => row.status === "SUCCEEDED")).toHaveLength(4);
    expect(harness.standIn.stats.submitsAccepted).toBe(5);
    expect(
      harness.standIn
        .acceptedJobs()
        .map((job) => job.seed)
        .sort(),
    ).toEqual([1, 2, 3, 4, 5]);
    // The unknown outcome proved nothing, so the circuit opened again and a later probe closed it.
    const metrics = await scrape(url);
    expect(metrics.value("seedance_gateway_segmind_circuit_transitions_total", { to: "half_open" })).toBeGreaterThanOrEqual(2);
    expect(metrics.value("seedance_gateway_segmind_circuit_state", { state: "closed" })).toBe(1);
  });

  it("unknown outcomes never open the circuit: each is failed once, never resubmitted", async () => {
    harness = await startHarness(sqlite, { breaker: BREAKER });
    const url = await harness.listen();
    harness.standIn.inject({ route: "submit", kind: "drop-after-accept", times: 6 });
    const ids = [];
    for (let seed = 1; seed <= 6; seed += 1) ids.push(localId((await harness.generate({ ...VALID_INPUT, seed })).generation.id));
    for (const id of ids) {
      const row = await harness.waitForStatus(id, [...TERMINAL]);
      expect(row.errorCode).toBe("SUBMIT_OUTCOME_UNKNOWN");
      expect(row.attempts).toBe(1);
    }
    expect(harness.standIn.stats.submitAttempts).toBe(6);
    expect((await readyz(url)).body.checks.segmindCircuit).toMatchObject({ ok: true, state: "closed" });
    expect((await scrape(url)).value("seedance_gateway_segmind_circuit_transitions_total", { to: "open" })).toBe(0);
  });
});

describeWithRedis("a Segmind outage with the BullMQ queue (REDIS_URL)", () => {
  let redis: Redis;
  let shared: SharedCoordination;
  let harness: Harness | undefined;
  beforeAll(() => {
    redis = connectTestRedis();
  });
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
    await deleteRedisKeys(redis, shared.prefix);
  });
  afterAll(async () => {
    redis.disconnect();
  });

  it(
    `${OUTAGE_MS / 1000} s of 500s with ${GENERATIONS} queued: the same on BullMQ`,
    async () => {
      shared = { connection: redis, prefix: freshRedisPrefix() };
      harness = await startHarness(sqlite, { breaker: BREAKER, shared, standInOptions: { jobDurationMs: 150 } });
      await rideOutOutage(harness, "BullMQ");
    },
    OUTAGE_MS + PROBE_MS + 60_000,
  );
});
