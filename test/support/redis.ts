// Redis for tests: the machine's real server (127.0.0.1:6379, or TEST_REDIS_URL). Every test
// file takes its own key prefix with a random suffix and deletes only its own keys afterwards,
// so test files (and other developers' runs) sharing the server never see each other's keys.
//
// Redis unreachable: blocks are skipped visibly on a developer machine, but FAIL when
// process.env.CI is set (a skip in CI is a failure), as for PostgreSQL.
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { describe, it } from "vitest";

export const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379/0";

const redisProblem: string | undefined = await (async () => {
  const probe = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2_000, retryStrategy: () => null });
  probe.on("error", () => undefined);
  try {
    await probe.connect();
    await probe.ping();
    return undefined;
  } catch (error) {
    return `Redis unreachable at ${redisUrl}: ${(error as Error).message}`;
  } finally {
    probe.disconnect();
  }
})();

/** A connection as the gateway makes one (BullMQ needs maxRetriesPerRequest: null). */
export function connectTestRedis(): Redis {
  return new Redis(redisUrl, { maxRetriesPerRequest: null });
}

/** A key prefix nobody else uses: `sgw-test-<random>`. */
export function freshRedisPrefix(): string {
  return `sgw-test-${randomBytes(5).toString("hex")}`;
}

/** Deletes every key under `prefix` (BullMQ's `prefix:queue:...` and ours alike). */
export async function deleteRedisKeys(redis: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1_000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.del(...keys);
  } while (cursor !== "0");
  return deleted;
}

/** `describe` that needs Redis: skipped visibly without it, failed in CI. */
export function describeWithRedis(name: string, fn: () => void): void {
  if (!redisProblem) {
    describe(name, fn);
  } else if (process.env.CI) {
    describe(name, () => {
      it("needs Redis (CI must not skip it)", () => {
        throw new Error(redisProblem);
      });
    });
  } else {
    console.warn(`[redis] skipping "${name}": ${redisProblem} (with CI set this fails)`);
    describe.skip(`${name}: SKIPPED, ${redisProblem}`, fn);
  }
}
