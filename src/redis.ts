import { Redis } from "ioredis";
import type { Logger } from "./logger";

/**
 * The connection behind the queue (BullMQ), the shared rate limit and the notifier. BullMQ
 * workers need `maxRetriesPerRequest: null` (commands wait for a reconnect instead of failing),
 * which suits the rest too: a Redis blip delays work, it does not fail it. Fails at start, with
 * the variable named, when Redis cannot be reached at all.
 */
export async function connectRedis(url: string, logger: Logger): Promise<Redis> {
  const redis = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true });
  redis.on("error", (error) => logger.warn("redis connection error", { error: error.message }));
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    const where = new URL(url);
    throw new Error(`REDIS_URL: Redis at ${where.hostname}:${where.port || 6379} did not answer (${(error as Error).message})`);
  }
  return redis;
}
