import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import type { SharedCoordination } from "../../src/gateway";
import { type SegmindStandIn, startSegmindStandIn } from "../../src/sandbox/standin";
import { type FreshDatabase, databaseTargets } from "../support/databases";
import { type Harness, type HarnessOptions, TEST_API_KEY, VALID_INPUT, localId, startHarness } from "../support/harness";
import { connectTestRedis, deleteRedisKeys, describeWithRedis, freshRedisPrefix } from "../support/redis";
import { subscribe } from "../support/sse";

/**
 * The BullMQ queue with several gateway instances in this process, sharing one PostgreSQL
 * database, one Redis and one Segmind stand-in: what REDIS_URL deploys. The process-level
 * version (real processes, one killed) is test/faults/scale-out.test.ts.
 */
const postgresql = databaseTargets().find((target) => target.provider === "postgresql")!;
const TERMINAL = ["SUCCEEDED", "FAILED", "CANCELED", "EXPIRED"] as const;

describeWithRedis("several instances on one Redis queue", () => {
  let redis: Redis;
  let standIn: SegmindStandIn;
  let database: FreshDatabase;
  let shared: SharedCoordination;
  const instances: Harness[] = [];

  beforeAll(async () => {
    if (postgresql.unavailable) throw new Error(postgresql.unavailable);
    redis = connectTestRedis();
    database = await postgresql.createDatabase();
  });
  afterAll(async () => {
    await database?.drop();
    await redis?.quit();
  });
  afterEach(async () => {
    for (const instance of instances.splice(0)) await instance.close({ keepDatabase: true, keepStandIn: true });
    await standIn?.close();
    await deleteRedisKeys(redis, shared.prefix);
  });

  /** A fresh deployment: new stand-in, new key prefix, same database (ids never collide). */
  const deploy = async (standInOptions: { jobDurationMs: number }) => {
    standIn = await startSegmindStandIn({ apiKey: TEST_API_KEY, ...standInOptions });
    shared = { connection: redis, prefix: freshRedisPrefix() };
  };
  const instance = async (options: HarnessOptions = {}) => {
    const harness = await startHarness(postgresql, {
      database,
      standIn,
      shared,
      ...options,
      worker: { lockDurationMs: 2_000, sweepIntervalMs: 60_000, ...options.worker },
    });
    instances.push(harness);
    return harness;
  };

  it("shares the work: every generation runs to the end once, each submitted once", async () => {
    await deploy({ jobDurationMs: 300 });
    const [a, b] = [await instance(), await instance()];
    const ids: string[] = [];
    for (let seed = 1; seed <= 12; seed += 1) {
      const via = seed % 2 === 0 ? a : b;
      ids.push(localId((await via.generate({ ...VALID_INPUT, seed })).generation.id));
    }
    for (const id of ids) expect((await a.waitForStatus(id, [...TERMINAL], 20_000)).status).toBe("SUCCEEDED");
    expect(standIn.stats.submitAttempts).toBe(12);
    expect(new Set(standIn.acceptedJobs().map((job) => job.seed)).size).toBe(12);
    const posts = await a.db.generationEvent.count({ where: { generationId: { in: ids }, type: "UPSTREAM_CALL", method: "POST" } });
    expect(posts).toBe(12);
    // Readiness reports the Redis the queue lives in.
    const ready = await (await a.gateway.yoga.fetch("http://gateway.test/readyz")).json();
    expect(ready.checks.redis).toMatchObject({ ok: true, critical: true });
  });

  it("a cancel on one instance reaches a job another has scheduled in Redis, at once", async () => {
    await deploy({ jobDurationMs: 4_000 });
    const a = await instance({ worker: { pollIntervalMs: 5_000 } });
    const b = await instance({ worker: { pollIntervalMs: 5_000 } });
    const id = localId((await a.generate(VALID_INPUT)).generation.id);
    await a.waitForStatus(id, ["SUBMITTED", "RUNNING"]);
    const canceled = await b.gql(`mutation($id: ID!) { cancelGeneration(id: $id) { __typename ... on CancelGenerationPayload { generation { status } } } }`, { id });
    expect(canceled.data.cancelGeneration.generation.status).toBe("CANCELED");
    const since = Date.now();
    await b.gateway.services.worker.idle();
    expect(Date.now() - since).toBeLessThan(1_500);
    expect(standIn.stats.submitsAccepted).toBe(1);
  });

  it("a 429 seen by one instance holds every instance until the reset time", async () => {
    await deploy({ jobDurationMs: 100 });
    const [a, b] = [await instance(), await instance()];
    const resetAt = new Date(Date.now() + 2_500);
    standIn.inject({
      route: "submit",
      kind: { status: 429, body: '{"error":"Too many requests"}', headers: { "x-rate-limit-reset-at-utc": resetAt.toISOString() } },
    });
    const first = localId((await a.generate({ ...VALID_INPUT, seed: 1 })).generation.id);
    for (const deadline = Date.now() + 5_000; ; ) {
      const refused = await a.db.generationEvent.count({ where: { generationId: first, errorCode: "RATE_LIMITED", toStatus: "QUEUED" } });
      if (refused > 0) break;
      if (Date.now() > deadline) throw new Error("no 429 seen");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const second = localId((await b.generate({ ...VALID_INPUT, seed: 2 })).generation.id);
    for (const id of [first, second]) expect((await b.waitForStatus(id, [...TERMINAL])).status).toBe("SUCCEEDED");
    const posts = await b.db.generationEvent.findMany({
      where: { generationId: { in: [first, second] }, type: "UPSTREAM_CALL", httpStatus: { not: 429 } },
    });
    // Every keyed call after the 429, from either instance, went at or after the reset.
    for (const call of posts) expect(call.createdAt.getTime()).toBeGreaterThanOrEqual(resetAt.getTime() - 5);
  });

  it("a Redis flush loses nothing: the reconciler gives every unfinished row a job again", async () => {
    await deploy({ jobDurationMs: 1_500 });
    const a = await instance({ worker: { sweepIntervalMs: 500, pollIntervalMs: 100 } });
    const ids: string[] = [];
    for (let seed = 1; seed <= 6; seed += 1) ids.push(localId((await a.generate({ ...VALID_INPUT, seed })).generation.id));
    for (const id of ids) await a.waitForStatus(id, ["SUBMITTED", "RUNNING"]);
    const deleted = await deleteRedisKeys(redis, shared.prefix);
    expect(deleted).toBeGreaterThan(0);
    for (const id of ids) expect((await a.waitForStatus(id, [...TERMINAL], 15_000)).status).toBe("SUCCEEDED");
    expect(standIn.stats.submitAttempts).toBe(6);
  });

  it("an instance that stops mid-flight leaves its jobs to the others, resubmitting nothing", async () => {
    await deploy({ jobDurationMs: 6_000 });
    const a = await instance({ worker: { pollIntervalMs: 100 } });
    const b = await instance({ worker: { pollIntervalMs: 100 } });
    const ids: string[] = [];
    for (let seed = 1; seed <= 6; seed += 1) ids.push(localId((await a.generate({ ...VALID_INPUT, seed })).generation.id));
    for (const id of ids) await a.waitForStatus(id, ["SUBMITTED", "RUNNING"]);
    await a.gateway.stop();
    for (const id of ids) expect((await b.waitForStatus(id, [...TERMINAL], 20_000)).status).toBe("SUCCEEDED");
    expect(standIn.stats.submitAttempts).toBe(6);
  });

  it("a subscriber on one instance sees every event of a generation another instance drives, in order", async () => {
    await deploy({ jobDurationMs: 600 });
    const driver = await instance();
    const watcher = await instance({ start: false });
    const url = await watcher.listen();
    const id = (await driver.generate(VALID_INPUT)).generation.id;
    const stream = await subscribe(url, `subscription($id: ID!) { generationUpdated(id: $id, after: 0) { kind sequence event { toStatus } } }`, { id });
    const arrivals: Array<{ update: any; at: number }> = [];
    for (let payload = await stream.next(20_000); payload !== null; payload = await stream.next(20_000)) {
      arrivals.push({ update: payload.data.generationUpdated, at: Date.now() });
    }
    const updates = arrivals.map((arrival) => arrival.update);
    const sequences = updates.filter((update) => update.kind === "EVENT").map((update) => update.sequence);
    const inDatabase = (await driver.db.generationEvent.findMany({ where: { generationId: localId(id) }, orderBy: { id: "asc" } })).map(
      (event) => event.id,
    );
    expect(sequences).toEqual(inDatabase);
    expect(updates.at(-1).event.toStatus).toBe("SUCCEEDED");
    // Woken through Redis, not by the 2 s progress tick: the last event arrives within a second.
    const succeeded = await driver.db.generationEvent.findFirstOrThrow({ where: { generationId: localId(id), toStatus: "SUCCEEDED" } });
    expect((arrivals.at(-1) as { at: number }).at - succeeded.createdAt.getTime()).toBeLessThan(1_000);
  });
});
