import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type SegmindStandIn, startSegmindStandIn } from "../../src/sandbox/standin";
import { type FreshDatabase, databaseTargets, queryDatabase } from "../support/databases";
import { GENERATE_VIDEO, type GatewayProcess, QUICK_START_INPUT, postGraphQL, startGateway, stopAllGateways } from "../support/process";
import { connectTestRedis, deleteRedisKeys, describeWithRedis, freshRedisPrefix } from "../support/redis";
import { subscribe } from "../support/sse";

/**
 * Several gateway processes behind no balancer at all (clients pick one), sharing one
 * PostgreSQL, one Redis and one media directory, in front of one Segmind stand-in running in
 * this test process (so it outlives kills and counts every request of every instance).
 */
const postgresql = databaseTargets().find((target) => target.provider === "postgresql")!;
const API_KEY = "SG_5ca1ab1e5ca1ab1e";
const FINAL = ["SUCCEEDED", "FAILED", "CANCELED", "EXPIRED"];

describeWithRedis("scale-out: gateway processes sharing PostgreSQL and Redis", () => {
  let redis: Redis;
  let database: FreshDatabase;
  let mediaDir: string;
  let standIn: SegmindStandIn | undefined;
  const prefixes: string[] = [];

  beforeAll(async () => {
    if (postgresql.unavailable) throw new Error(postgresql.unavailable);
    redis = connectTestRedis();
    database = await postgresql.createDatabase();
    mediaDir = mkdtempSync(join(tmpdir(), "sg-scale-media-"));
  });
  afterAll(async () => {
    await stopAllGateways();
    await standIn?.close();
    for (const prefix of prefixes) await deleteRedisKeys(redis, prefix);
    await redis?.quit();
    await database?.drop();
    rmSync(mediaDir, { recursive: true, force: true });
  });

  const deployment = (extra: Record<string, string> = {}) => {
    const prefix = freshRedisPrefix();
    prefixes.push(prefix);
    return {
      DATABASE_URL: database.url,
      MEDIA_DIR: mediaDir,
      REDIS_URL: "redis://127.0.0.1:6379/0",
      REDIS_PREFIX: prefix,
      SEGMIND_API_KEY: API_KEY,
      SEGMIND_BASE_URL: (standIn as SegmindStandIn).url,
      ALLOW_ANONYMOUS: "true",
      SEGMIND_POLL_INTERVAL_MS: "100",
      SEGMIND_TIMEOUT_MS: "3000",
      SEGMIND_MAX_RPM: "0",
      QUEUE_LOCK_DURATION_MS: "2000",
      WORKER_RECONCILE_INTERVAL_MS: "2000",
      LOG_LEVEL: "info",
      ...extra,
    };
  };
  const startInstances = (env: Record<string, string>, count: number) =>
    Promise.all(Array.from({ length: count }, () => startGateway(env, { readyTimeoutMs: 60_000 })));
  const generate = async (via: GatewayProcess, seed: number) => {
    const { data, errors } = await postGraphQL(via.url, GENERATE_VIDEO, { input: { ...QUICK_START_INPUT, seed } });
    expect(errors).toBeUndefined();
    return data.generateVideo.generation.id as string;
  };
  const rows = async () =>
    queryDatabase(database, 'SELECT "id", "status", "seed", "errorCode", "upstreamRequestId" FROM "Generation" ORDER BY "id"');

  it("SIGKILL one of three mid-flight: the others finish every generation, submit nothing twice, and a subscriber on a survivor sees every event in order", async () => {
    standIn = await startSegmindStandIn({ apiKey: API_KEY, jobDurationMs: 8_000 });
    const [a, b, c] = (await startInstances(deployment(), 3)) as [GatewayProcess, GatewayProcess, GatewayProcess];
    const stream = await subscribe(c.url, `subscription { generationsUpdated(after: 0) { sequence generation { id status } } }`);

    const COUNT = 30;
    const instances = [a, b, c];
    // Each instance takes its third of the requests, the three at once.
    await Promise.all(
      instances.map(async (instance, index) => {
        for (let seed = index + 1; seed <= COUNT; seed += 3) await generate(instance, seed);
      }),
    );
    // Mid-flight: several accepted upstream, none finished yet (jobs take 8 s).
    for (const deadline = Date.now() + 20_000; ; ) {
      const upstream = (await rows()).filter((row) => ["SUBMITTED", "RUNNING"].includes(String(row.status)));
      if (upstream.length >= 5) break;
      if (Date.now() > deadline) throw new Error(`not in flight: ${JSON.stringify(await rows())}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    a.signal("SIGKILL");
    expect((await a.exited).signal).toBe("SIGKILL");
    // The killed instance's submits on the wire stay SUBMITTING until a survivor settles them.
    const midSubmit = (await rows()).filter((row) => row.status === "SUBMITTING").length;

    let final: Record<string, unknown>[] = [];
    for (const deadline = Date.now() + 60_000; ; ) {
      final = await rows();
      if (final.every((row) => FINAL.includes(String(row.status)))) break;
      if (Date.now() > deadline) throw new Error(`not finished: ${JSON.stringify(final)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(final).toHaveLength(COUNT);
    // A submit on the wire at the kill ends SUBMIT_INTERRUPTED (Segmind may have billed it, and
    // it offers no lookup without the id); everything else succeeds.
    for (const row of final) {
      if (row.status !== "SUCCEEDED") expect(row).toMatchObject({ status: "FAILED", errorCode: "SUBMIT_INTERRUPTED" });
    }
    // Only those: as many as were on the wire at the kill (the worker runs several at once).
    expect(final.filter((row) => row.status !== "SUCCEEDED").length).toBeLessThanOrEqual(midSubmit);
    // Nothing submitted twice: at most one POST per generation, one accepted job per seed. A
    // claim the kill caught before its POST left sends none (and ends SUBMIT_INTERRUPTED too).
    const interrupted = final.filter((row) => row.status !== "SUCCEEDED").length;
    expect(standIn.stats.submitAttempts).toBeLessThanOrEqual(COUNT);
    expect(standIn.stats.submitAttempts).toBeGreaterThanOrEqual(COUNT - interrupted);
    const seeds = standIn.acceptedJobs().map((job) => job.seed);
    expect(new Set(seeds).size).toBe(seeds.length);

    // The subscriber on a survivor: every event of every generation, in sequence order.
    const events = await queryDatabase(database, 'SELECT "id" FROM "GenerationEvent" ORDER BY "id"');
    const expected = events.map((event) => Number(event.id));
    const seen: number[] = [];
    while (seen.length < expected.length) {
      const payload = await stream.next(15_000);
      if (payload === null) break;
      seen.push(payload.data.generationsUpdated.sequence);
    }
    stream.close();
    expect(seen).toEqual(expected);
  }, 180_000);

  it("SEGMIND_MAX_RPM is one budget for all instances: per clock minute Segmind never sees more, and never answers 429", async () => {
    await standIn?.close();
    standIn = await startSegmindStandIn({ apiKey: API_KEY, jobDurationMs: 500 });
    standIn.setRateLimit(6);
    const instances = await startInstances(deployment({ SEGMIND_MAX_RPM: "6" }), 3);
    for (let seed = 1; seed <= 9; seed += 1) await generate(instances[seed % 3] as GatewayProcess, seed);
    // Long enough for every instance to try everything it may; at most 6 in a minute get through.
    for (const deadline = Date.now() + 4_000; Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const perMinute = Object.values(standIn.stats.keyedRequestsPerMinute);
    expect(Math.max(...perMinute)).toBeLessThanOrEqual(6);
    // The cap was reached (the test is not idle), and reached without a single 429.
    expect(perMinute.some((count) => count === 6)).toBe(true);
    const refused = await queryDatabase(database, `SELECT count(*) AS n FROM "GenerationEvent" WHERE "httpStatus" = 429`);
    expect(Number(refused[0]?.n)).toBe(0);
    for (const instance of instances) await instance.stop();
  }, 120_000);
});
