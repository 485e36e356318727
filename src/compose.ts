import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Config } from "./config";
import { openDatabase } from "./db/client";
import { type Gateway, createGateway } from "./gateway";
import type { Logger } from "./logger";
import { openMediaStore } from "./media/open-store";
import { type SegmindStandIn, startSegmindStandIn } from "./sandbox/standin";
import { createSegmindClient } from "./segmind/client";
import { databaseFailure } from "./startup-errors";
import { connectRedis } from "./redis";
import { secretKeyLoader } from "./webhooks/secrets";

export interface RunningGateway {
  gateway: Gateway;
  sandbox: SegmindStandIn | null;
  /** Stops the worker, then closes the sandbox and the database. */
  close(): Promise<void>;
}

/**
 * Turns configuration into real collaborators. In sandbox mode (no SEGMIND_API_KEY) a
 * Segmind stand-in is started on loopback and the real client talks to it over HTTP:
 * sandbox and production differ only in the base URL (and a throwaway key).
 */
export async function composeGateway(config: Config, logger: Logger): Promise<RunningGateway> {
  // A failure here names the variable behind it (src/startup-errors.ts).
  const databaseOptions = {
    traceQueries: config.tracing !== null,
    poolSize: config.DATABASE_POOL_SIZE,
    onAuditSealError: (error: unknown) => logger.error("the audit trail could not chain new entries; they stay pending for the next seal", { error }),
  };
  const database = await openDatabase(config.DATABASE_URL, databaseOptions).catch((error: unknown) => {
    throw databaseFailure(config.DATABASE_URL, error);
  });
  // MEDIA_STORE: the directory store (default) or an S3 bucket every instance shares.
  const mediaStore = await openMediaStore(config.mediaStore, logger).catch(async (error: unknown) => {
    await database.close();
    throw error;
  });
  logger.info("media store ready", mediaStore.description);
  const media = mediaStore.media;
  // Several instances share work, the Segmind rate limit and live updates through Redis.
  const redis = config.REDIS_URL
    ? await connectRedis(config.REDIS_URL, logger).catch(async (error: unknown) => {
        mediaStore.close();
        await database.close();
        throw error;
      })
    : null;

  let sandbox: SegmindStandIn | null = null;
  let baseUrl = config.SEGMIND_BASE_URL;
  let apiKey = config.SEGMIND_API_KEY;
  if (config.sandbox) {
    apiKey = `sandbox-${randomBytes(12).toString("hex")}`;
    await mkdir(config.MEDIA_DIR, { recursive: true }); // there already with the directory store; not with S3
    sandbox = await startSegmindStandIn({
      apiKey,
      balanceUsd: config.SANDBOX_BALANCE_USD,
      jobDurationMs: config.SANDBOX_JOB_DURATION_MS,
      // The sandbox's balance and request records outlive restarts, like Segmind's do.
      // A dot-name: media keys can never start with a dot, so it cannot collide with one.
      stateFile: join(config.MEDIA_DIR, ".sandbox-state.json"),
    });
    baseUrl = sandbox.url;
    logger.info("sandbox mode: no SEGMIND_API_KEY, serving generations from the built-in Segmind stand-in", {
      standIn: sandbox.url,
    });
  }

  if (config.WEBHOOK_ALLOW_PRIVATE_TARGETS) {
    logger.warn("WEBHOOK_ALLOW_PRIVATE_TARGETS is on: webhooks may be sent to loopback and private addresses (development only)");
  }
  if (redis && config.WEBHOOK_SECRET_KEY === undefined) {
    logger.warn("REDIS_URL is set but WEBHOOK_SECRET_KEY is not: every instance must share one WEBHOOK_SECRET_KEY to sign webhooks");
  }
  if (config.ALLOW_ANONYMOUS && !config.sandbox) {
    logger.warn("ALLOW_ANONYMOUS is on with a real SEGMIND_API_KEY: requests without an API key spend its credits");
  } else if (config.ALLOW_ANONYMOUS) {
    logger.info("anonymous requests allowed (sandbox mode); clients with a key see only their team's generations");
  } else {
    logger.info("every request needs an API key (Authorization: Bearer <key>); create one with npm run keys");
  }

  const segmind = createSegmindClient({
    baseUrl,
    apiKey: apiKey as string,
    timeoutMs: config.SEGMIND_TIMEOUT_MS,
    syncTimeoutMs: config.SEGMIND_SYNC_TIMEOUT_MS,
    downloadIdleTimeoutMs: config.SEGMIND_DOWNLOAD_IDLE_TIMEOUT_MS,
  });
  const gateway = createGateway({
    db: database.db,
    databaseProvider: database.provider,
    segmind,
    media,
    readinessChecks: mediaStore.readinessChecks,
    logger,
    upstream: { name: config.sandbox ? "sandbox" : "segmind", mode: config.SEGMIND_MODE },
    publicUrl: config.publicUrl,
    creditsCacheTtlMs: config.CREDITS_CACHE_TTL_MS,
    creditsReadBudgetMs: config.CREDITS_READ_BUDGET_MS,
    prices: config.PRICE_TABLE_USD,
    shared: redis ? { connection: redis, prefix: config.REDIS_PREFIX } : undefined,
    worker: {
      concurrency: config.WORKER_CONCURRENCY,
      sweepIntervalMs: config.WORKER_RECONCILE_INTERVAL_MS,
      maxInFlight: config.SEGMIND_MAX_IN_FLIGHT,
      rpmScope: config.SEGMIND_RPM_SCOPE,
      lockDurationMs: config.QUEUE_LOCK_DURATION_MS,
      pollIntervalMs: config.pollIntervalMs,
      pollFastMs: config.pollFastMs,
      pollDeadlineMs: config.SEGMIND_POLL_DEADLINE_MS,
      submitMaxAttempts: config.SUBMIT_MAX_ATTEMPTS,
      maxRequestsPerMinute: config.maxRequestsPerMinute,
      outageMaxWaitMs: config.UPSTREAM_OUTAGE_MAX_WAIT_MS,
      // A submit cannot still be on the wire after its own timeout (plus slack).
      submitInFlightMs:
        (config.SEGMIND_MODE === "v1" ? config.SEGMIND_SYNC_TIMEOUT_MS : config.SEGMIND_TIMEOUT_MS) + 5_000,
    },
    breaker: {
      minSubmits: config.SEGMIND_BREAKER_MIN_SUBMITS,
      errorPercent: config.SEGMIND_BREAKER_ERROR_PERCENT,
      windowMs: config.SEGMIND_BREAKER_WINDOW_MS,
      probeAfterMs: config.SEGMIND_BREAKER_PROBE_AFTER_MS,
    },
    // Off: no fetch of client image URLs at all (the manifest's imageSha256 stays null).
    ...(config.FIRST_FRAME_FINGERPRINT === false ? { imageFetcher: null } : {}),
    graphiql: config.GRAPHIQL_ENABLED,
    tracing: config.tracing !== null,
    corsOrigins: config.CORS_ORIGINS,
    subscriptionLimits: { perKey: config.MAX_SUBSCRIPTIONS_PER_KEY, perAddress: config.MAX_SUBSCRIPTIONS_PER_ADDRESS },
    sseCoalesceMs: config.SSE_COALESCE_MS,
    eventCacheEvents: config.EVENT_CACHE_EVENTS,
    metricsToken: config.METRICS_TOKEN ?? null,
    webhooks: {
      secretKey: secretKeyLoader({ key: config.WEBHOOK_SECRET_KEY, file: config.WEBHOOK_SECRET_KEY_FILE }),
      allowPrivateTargets: config.WEBHOOK_ALLOW_PRIVATE_TARGETS ?? false,
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      concurrency: config.WEBHOOK_CONCURRENCY,
      budgetThresholdsPercent: config.WEBHOOK_BUDGET_THRESHOLDS,
      creditsLowUsd: config.WEBHOOK_CREDITS_LOW_USD ?? null,
    },
    allowAnonymous: config.ALLOW_ANONYMOUS,
    authKeyCacheTtlMs: config.AUTH_KEY_CACHE_TTL_MS,
    introspection: config.GRAPHQL_INTROSPECTION,
    maxRequestBytes: config.MAX_REQUEST_BYTES,
    queryLimits: {
      maxDepth: config.MAX_QUERY_DEPTH,
      maxAliases: config.MAX_QUERY_ALIASES,
      maxCost: config.MAX_QUERY_COST,
      maxTokens: config.MAX_QUERY_TOKENS,
      maxDirectives: config.MAX_QUERY_DIRECTIVES,
    },
  });

  return {
    gateway,
    sandbox,
    async close() {
      await gateway.stop();
      await sandbox?.close();
      mediaStore.close();
      await redis?.quit().catch(() => redis.disconnect());
      await database.close();
    },
  };
}
