import type { IncomingMessage } from "node:http";
import { GraphQLError } from "graphql";
import { authenticate } from "./auth/authenticate";
import { ApiKeyCache } from "./auth/key-cache";
import { type Plugin, type YogaServerInstance, createYoga } from "graphql-yoga";
import { type Clock, systemClock } from "./clock";
import { type GatewayContext, type GatewayServices, createContext } from "./context";
import { DEFAULT_PRICE_TABLE, type PriceTable } from "./budget/prices";
import { PlacedHolds } from "./budget/placed-holds";
import { CreditsService } from "./credits/service";
import type { Db } from "./db/client";
import { type ImageFetcher, createImageFetcher } from "./generations/image-fetch";
import { sharingFetchesInFlight } from "./generations/image-fetch-shared";
import { GenerationJournal } from "./generations/journal";
import { BudgetAdmission } from "./generations/admission";
import { EventFeed } from "./generations/event-feed";
import { postgresOpenTransactions } from "./generations/open-transactions";
import { type GenerationNotifier, InProcessNotifier } from "./generations/notifier";
import { ProgressEstimator } from "./generations/progress";
import type { UpstreamTarget } from "./generations/types";
import { type QueryLimits, DEFAULT_QUERY_LIMITS, armorPlugins } from "./http/armor";
import { corsOptions, corsRefusal } from "./http/cors";
import { createGraphiQL, graphiqlOptions } from "./http/graphiql";
import { studioRoute } from "./http/studio";
import { DEFAULT_MAX_REQUEST_BYTES, boundedBodies, jsonBodiesOnly, malformedGetParamsAre400 } from "./http/request-body";
import { mediaRoute } from "./http/media-route";
import { accessLog } from "./http/access-log";
import { requestFactsPlugin } from "./http/request-facts";
import { healthRoutes } from "./http/health";
import { requestIdFor } from "./http/request-id";
import {
  type ReadinessCheck,
  Readiness,
  databaseCheck,
  migrationsCheck,
  circuitCheck,
  redisCheck,
  segmindCheck,
  workerCheck,
} from "./observability/readiness";
import { meteredLimiter } from "./observability/limiter";
import { GatewayMetrics } from "./observability/metrics";
import { SegmindReachability, observeSegmind } from "./observability/segmind";
import { metricsRoute, requestMetrics } from "./http/metrics";
import { operationTracing } from "./http/tracing";
import { sharedSubscriptionExecution } from "./http/shared-subscription-execution";
import { DEFAULT_SSE_COALESCE_MS, sseWriteCoalescing } from "./http/sse-coalescing";
import { DEFAULT_EVENT_CACHE_EVENTS, EventLists } from "./generations/event-lists";
import { leanEventStreams } from "./http/event-stream";
import { traceSegmind } from "./observability/segmind-spans";
import { guardedOnRequest, safetyNet } from "./http/safety-net";
import { storableTextOnly } from "./http/text-input";
import { argumentBounds } from "./http/argument-bounds";
import { DEFAULT_SUBSCRIPTION_LIMITS, type SubscriptionLimits, SubscriptionLimiter } from "./limits/subscriptions";
import { type Logger, silentLogger } from "./logger";
import type { MediaStore } from "./media/store";
import { schema } from "./schema";
import type { SegmindClient } from "./segmind/types";
import type { Redis } from "ioredis";
import { RedisNotifier } from "./generations/redis-notifier";
import { backoffDelayMs } from "./worker/backoff";
import { type BreakerSettings, DEFAULT_BREAKER_SETTINGS, SubmitBreaker } from "./worker/breaker";
import { BullMqStepQueue } from "./worker/bullmq-queue";
import { InFlightCalls } from "./worker/in-flight";
import { InFlightGate } from "./worker/in-flight-gate";
import { inFlightCount } from "./worker/steps/submit";
import { withFastReadsWhereFree } from "./worker/steps/poll-timing";
import { RowSnapshots } from "./generations/row-snapshots";
import { InProcessStepQueue } from "./worker/in-process-queue";
import { type RpmScope, createUpstreamLimiter } from "./worker/limiter";
import type { StepQueue } from "./worker/queue";
import type { StepSettings } from "./worker/steps/deps";
import { type GenerationRunner, GenerationWorker } from "./worker/worker";
import { databaseUnavailableError, isDatabaseUnavailable } from "./db/unavailable";
import { type WebhookSettings, createWebhooks } from "./webhooks/service";
import { BudgetAlerts } from "./budget/thresholds";
import { LowBalanceAlerts } from "./credits/low-balance";

export interface WorkerSettings extends StepSettings {
  /** Steps (one upstream exchange or one copy each) run at once in this instance. */
  concurrency: number;
  /** How often unfinished rows without a job are enqueued (the reconciler). */
  sweepIntervalMs: number;
  /** Keyed Segmind requests per clock minute, for the whole deployment (SEGMIND_MAX_RPM); 0 = no cap. */
  maxRequestsPerMinute: number;
  /** Which calls SEGMIND_MAX_RPM counts: every keyed call, or only submits (SEGMIND_RPM_SCOPE). */
  rpmScope: RpmScope;
  /** BullMQ only: how long an instance's job lock lasts without renewal (stalled-job recovery). */
  lockDurationMs: number;
}

export const DEFAULT_WORKER_SETTINGS: WorkerSettings = {
  concurrency: 64,
  sweepIntervalMs: 15_000,
  pollIntervalMs: 5_000,
  pollFastMs: 0,
  pollDeadlineMs: 900_000,
  submitMaxAttempts: 5,
  downloadMaxAttempts: 5,
  submitInFlightMs: 60_000,
  backoffBaseMs: 1_000,
  rateLimitMaxWaits: 20,
  maxRequestsPerMinute: 0,
  rpmScope: "all",
  maxInFlight: 0,
  lockDurationMs: 30_000,
  outageMaxWaitMs: 1_800_000,
};

/** Several instances share work through Redis: BullMQ queue, shared rate limit, notifier. */
export interface SharedCoordination {
  /** Made with `maxRetriesPerRequest: null`; its owner (compose.ts, a test) closes it after `stop`. */
  connection: Redis;
  /** Prefix of every key this deployment uses; one per deployment (tests: one per test). */
  prefix: string;
}

export interface GatewayDeps {
  db: Db;
  databaseProvider: "sqlite" | "postgresql";
  segmind: SegmindClient;
  media: MediaStore;
  /** Which upstream this is ("sandbox" or "segmind") and which protocol (v2 async or v1 sync). */
  upstream: Pick<UpstreamTarget, "name" | "mode">;
  /** Base of the URLs the gateway hands out (resultUrl). */
  publicUrl: string;
  clock?: Clock;
  logger?: Logger;
  worker?: Partial<WorkerSettings>;
  creditsCacheTtlMs?: number;
  /** How long `credits` waits for Segmind before answering from the last known balance; default 2 s. */
  creditsReadBudgetMs?: number;
  /** Per-shape cost estimates for budget holds (PRICE_TABLE_USD); default Segmind's list prices. */
  prices?: PriceTable;
  drawSeed?: () => number;
  graphiql?: boolean;
  /** Requests without an API key act anonymously; default true (compose sets it from config). */
  allowAnonymous?: boolean;
  /** How long a verified API key is trusted without reading its row again (AUTH_KEY_CACHE_TTL_MS); default 0: read every time. */
  authKeyCacheTtlMs?: number;
  /** Browser origins allowed cross-origin; none (the default) means same-origin only. */
  corsOrigins?: string[];
  /** Open subscriptions allowed per API key and per client address (0: no limit); default 25 and 50. */
  subscriptionLimits?: Partial<SubscriptionLimits>;
  /** How often subscriptions send a progress tick while waiting; default 2 s. */
  progressTickMs?: number;
  /** SSE writes closer than this to a stream's last write go out together (SSE_COALESCE_MS); 0: each on its own; default 20. */
  sseCoalesceMs?: number;
  /** Events of recently read generations kept in memory, served again while whole (EVENT_CACHE_EVENTS); 0: off; default 20,000. */
  eventCacheEvents?: number;
  /** Wakes subscribers when events are written; in-process by default, Redis with `shared`. */
  notifier?: GenerationNotifier;
  /** Absent: one process (in-process queue, limiter and notifier); set: shared through Redis. */
  shared?: SharedCoordination;
  /** Answer introspection (`__schema`, `__type`); default true. Production should say false. */
  introspection?: boolean;
  /** Request bodies larger than this get 413 before they are parsed; default 1 MiB. */
  maxRequestBytes?: number;
  /** Depth, alias, cost, token and directive limits on GraphQL documents (GraphQL Armor). */
  queryLimits?: Partial<QueryLimits>;
  /** With it, GET /metrics needs `Authorization: Bearer <token>` (METRICS_TOKEN). */
  metricsToken?: string | null;
  /** Readiness checks beyond the database, migrations and worker (e.g. Redis, where used). */
  readinessChecks?: ReadinessCheck[];
  /**
   * Fingerprints each first frame for the manifest (sha256, size). Default: a real fetch under
   * the SSRF rules (src/generations/image-fetch.ts); null: not fingerprinted.
   */
  imageFetcher?: ImageFetcher | null;
  /** Webhook delivery: timeouts, retry schedule, the key sealing secrets, private targets (src/webhooks/). */
  webhooks?: Partial<WebhookSettings>;
  /**
   * Spans for GraphQL operations, root fields and Segmind calls (OTEL_* settings; the SDK is
   * started by the server). Worker steps are spans whenever a tracer provider is registered.
   */
  tracing?: boolean;
  /** The circuit breaker on Segmind submits (SEGMIND_BREAKER_*; src/worker/breaker.ts). */
  breaker?: Partial<BreakerSettings>;
}

export interface Gateway {
  yoga: YogaServerInstance<Record<string, unknown>, GatewayContext>;
  services: GatewayServices;
  /** Starts the worker: resumes what a previous process left, then runs new work. */
  start(): Promise<void>;
  /** Stops the worker; unfinished generations stay resumable. Does not close the database. */
  stop(): Promise<void>;
  /** What /readyz answers: starting until start() finished, draining from stop() on. */
  readiness: Readiness;
}

/** Builds the gateway; never listens (src/server.ts does), so tests can call `yoga.fetch`. */
export function createGateway(deps: GatewayDeps): Gateway {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? silentLogger;
  const settings = { ...DEFAULT_WORKER_SETTINGS, ...deps.worker };
  const upstream: UpstreamTarget = {
    ...deps.upstream,
    baseUrl: deps.segmind.baseUrl,
    modelSlug: deps.segmind.modelSlug,
  };
  // Metrics on a registry of this gateway's own; every Segmind exchange is also observed, for
  // them and for /readyz's reachability (src/observability/).
  const metrics = new GatewayMetrics({ db: deps.db, clock, logger, upstream: deps.upstream.name });
  const reachability = new SegmindReachability(() => clock.now());
  const observed = observeSegmind(deps.segmind, (endpoint, call) => {
    reachability.observe(endpoint, call);
    metrics.upstreamCall(endpoint, call);
  });
  const segmind = deps.tracing ? traceSegmind(observed) : observed;
  const redisNotifier = !deps.notifier && deps.shared ? new RedisNotifier(deps.shared.connection, deps.shared.prefix, logger) : null;
  const notifier = deps.notifier ?? redisNotifier ?? new InProcessNotifier();
  const retryDelayMs = (failures: number) => backoffDelayMs(failures, { baseMs: 500, capMs: 30_000 });
  // Signed webhooks from a durable outbox, sent by a queue of their own (src/webhooks/).
  const webhooks = createWebhooks({
    db: deps.db,
    clock,
    logger,
    settings: { reconcileIntervalMs: settings.sweepIntervalMs, ...deps.webhooks },
    publicUrl: () => services.publicUrl,
    shared: deps.shared ? { ...deps.shared, lockDurationMs: settings.lockDurationMs } : undefined,
    retryDelayMs,
    observe: (eventType, outcome) => metrics.webhookAttempt(eventType, outcome),
  });
  // Alerts sent as webhooks, written in the transaction that raises them.
  const budgetAlerts = new BudgetAlerts({
    thresholdsPercent: webhooks.settings.budgetThresholdsPercent,
    provider: deps.databaseProvider,
    outbox: webhooks.outbox,
  });
  const lowBalance = new LowBalanceAlerts({
    thresholdUsd: webhooks.settings.creditsLowUsd,
    upstream: upstream.name,
    provider: deps.databaseProvider,
    outbox: webhooks.outbox,
  });
  // The rows the journal writes, so the worker's next step need not read them again. Across
  // instances a Redis message can be lost, so a row is trusted for less time there.
  const snapshots = new RowSnapshots(notifier, clock, deps.shared ? 30_000 : 600_000);
  // The HOLDs the admission placed, so the transition that settles one reads no ledger.
  const placedHolds = new PlacedHolds();
  const journal = new GenerationJournal(deps.db, clock, {
    provider: deps.databaseProvider,
    notifier,
    snapshots,
    placedHolds,
    metrics,
    webhooks: webhooks.outbox,
    alerts: { budget: budgetAlerts, lowBalance },
  });
  // One limiter for every keyed Segmind call of the deployment (worker and credits alike).
  const limiter = meteredLimiter(
    createUpstreamLimiter({
      maxPerMinute: settings.maxRequestsPerMinute,
      scope: settings.rpmScope,
      clock,
      backoffBaseMs: settings.backoffBaseMs,
      redis: deps.shared ? { client: deps.shared.connection, keyPrefix: deps.shared.prefix } : undefined,
    }),
    (kind, ms) => metrics.rateLimiterDeferred(kind, ms),
    () => clock.now().getTime(),
  );
  // One circuit breaker on Segmind submits per instance: while Segmind is down, queued work waits.
  const breaker = new SubmitBreaker({ ...DEFAULT_BREAKER_SETTINGS, ...deps.breaker }, clock);
  breaker.listen(metrics.circuitListener());
  const progress = new ProgressEstimator(deps.db, clock);
  const queue: StepQueue = deps.shared
    ? new BullMqStepQueue({
        connection: deps.shared.connection,
        prefix: deps.shared.prefix,
        concurrency: settings.concurrency,
        logger,
        retryDelayMs,
        lockDurationMs: settings.lockDurationMs,
      })
    : new InProcessStepQueue({ concurrency: settings.concurrency, logger, retryDelayMs });
  const inFlightGate =
    settings.maxInFlight > 0
      ? new InFlightGate({
          cap: settings.maxInFlight,
          count: () => inFlightCount(deps),
          wake: (id) => worker.wake(id),
          intervalMs: settings.pollIntervalMs,
          logger,
        })
      : undefined;
  const worker: GenerationRunner = new GenerationWorker(
    {
      inFlightGate,
      db: deps.db,
      journal,
      segmind,
      media: deps.media,
      clock,
      logger,
      settings: withFastReadsWhereFree(settings),
      breaker,
      limiter,
      calls: new InFlightCalls(deps.db, notifier),
      snapshots,
      progress,
      imageFetcher: deps.imageFetcher === undefined ? sharingFetchesInFlight(createImageFetcher()) : deps.imageFetcher,
    },
    queue,
    { reconcileIntervalMs: settings.sweepIntervalMs },
  );
  const credits = new CreditsService({
    db: deps.db,
    segmind,
    clock,
    logger,
    upstream: upstream.name,
    cacheTtlMs: deps.creditsCacheTtlMs ?? 30_000,
    readBudgetMs: deps.creditsReadBudgetMs ?? 2_000,
    limiter,
    metrics,
    lowBalance,
  });
  const services: GatewayServices = {
    db: deps.db,
    databaseProvider: deps.databaseProvider,
    clock,
    logger,
    segmind,
    media: deps.media,
    worker,
    credits,
    upstream,
    notifier,
    feed: new EventFeed({
      db: deps.db,
      notifier,
      logger,
      // Through Redis every instance's writes wake the feed; the timer only covers a lost message.
      safetyReadMs: deps.shared ? 5_000 : 2_000,
      holeTimeoutMs: 15_000,
      // Paced like the streams' writes: a busy spell's events reach each subscriber in batches.
      readGapMs: deps.sseCoalesceMs ?? DEFAULT_SSE_COALESCE_MS,
      openTransactions: deps.databaseProvider === "postgresql" ? postgresOpenTransactions(deps.db) : undefined,
    }),
    journal,
    progress,
    progressTickMs: deps.progressTickMs ?? 2_000,
    publicUrl: deps.publicUrl.replace(/\/+$/, ""),
    drawSeed: deps.drawSeed,
    prices: deps.prices ?? DEFAULT_PRICE_TABLE,
    subscriptionLimiter: new SubscriptionLimiter({ ...DEFAULT_SUBSCRIPTION_LIMITS, ...deps.subscriptionLimits }),
    metrics,
    webhooks,
    outageMaxWaitMs: settings.outageMaxWaitMs,
    eventLists: new EventLists(deps.eventCacheEvents ?? DEFAULT_EVENT_CACHE_EVENTS),
    budgetAlerts,
    admission: new BudgetAdmission({ db: deps.db, provider: deps.databaseProvider, budgetAlerts, placedHolds, metrics }),
    snapshots,
  };
  const graphiql = createGraphiQL();
  const readiness = new Readiness([
    databaseCheck(deps.db),
    migrationsCheck(deps.db, deps.databaseProvider),
    workerCheck(worker),
    segmindCheck(reachability),
    circuitCheck(breaker),
    ...(deps.shared ? [redisCheck(deps.shared.connection)] : []),
    ...(deps.readinessChecks ?? []),
  ]);

  const keyCache = new ApiKeyCache(deps.authKeyCacheTtlMs ?? 0);
  const yoga = createYoga<Record<string, unknown>, GatewayContext>({
    schema,
    graphqlEndpoint: "/graphql",
    landingPage: false,
    graphiql: deps.graphiql === false ? false : graphiqlOptions({ allowAnonymous: deps.allowAnonymous ?? true }),
    renderGraphiQL: graphiql.render,
    cors: corsOptions(deps.corsOrigins ?? []),
    context: async ({ request, req }: { request: Request; req?: IncomingMessage }) => {
      const principal = await authenticate(request, req?.socket.remoteAddress ?? null, {
        db: deps.db,
        clock,
        allowAnonymous: deps.allowAnonymous ?? true,
        cache: keyCache,
      });
      return createContext(services, requestIdFor(request), request.signal, principal);
    },
    logging: yogaLogger(logger),
    // Hostile input: bounded bodies (413), JSON bodies only (415), no batching, no uploads.
    // Bounded by boundedBodies (src/http/request-body.ts), which counts only bodies without a Content-Length.
    maxRequestBodySize: false,
    batching: false,
    multipart: false,
    maskedErrors: {
      // Unexpected errors reach clients as one generic message; the log has the detail.
      maskError: (error, message) => {
        const original = error instanceof GraphQLError ? error.originalError : error;
        if (error instanceof GraphQLError && !original) return error;
        if (original instanceof GraphQLError) return original;
        // Said plainly (no internals): the client should retry; nothing it sent was wrong.
        if (isDatabaseUnavailable(original)) return databaseUnavailableError();
        // Where it happened (path, locations) helps the client and reveals nothing;
        // what went wrong stays in the log.
        const where = error instanceof GraphQLError ? { nodes: error.nodes, path: error.path } : {};
        return new GraphQLError(message, { ...where, extensions: { code: "INTERNAL_SERVER_ERROR" } });
      },
    },
    plugins: [
      // First: the request's arrival time and what it ran, for the access log (and metrics).
      requestFactsPlugin(),
      accessLog(logger),
      // Before tracing, which wraps the subscribe function this one sets.
      sharedSubscriptionExecution(),
      leanEventStreams(logger),
      sseWriteCoalescing(deps.sseCoalesceMs ?? DEFAULT_SSE_COALESCE_MS),
      ...(deps.tracing ? [operationTracing()] : []),
      studioRoute({ publicUrl: services.publicUrl }),
      healthRoutes(readiness),
      metricsRoute(metrics, deps.metricsToken ?? null),
      requestMetrics(metrics),
      corsRefusal({ origins: deps.corsOrigins ?? [], publicUrl: services.publicUrl, logger }),
      guardedOnRequest(mediaRoute(deps.media), logger),
      requestIdHeader(),
      unexpectedErrorLog(logger),
      graphiql.compression,
      jsonBodiesOnly(),
      // After every plugin that sets a request parser (jsonBodiesOnly): it wraps the chosen one.
      boundedBodies(deps.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES),
      malformedGetParamsAre400(),
      storableTextOnly(),
      argumentBounds(),
      ...armorPlugins({
        limits: { ...DEFAULT_QUERY_LIMITS, ...deps.queryLimits },
        introspection: deps.introspection !== false,
      }),
      // Last: it wraps whichever request handler the plugins above chose.
      safetyNet(logger),
    ],
  });

  return {
    yoga,
    services,
    readiness,
    async start() {
      await redisNotifier?.start();
      await worker.start();
      await webhooks.dispatcher.start();
      readiness.state = "ready";
    },
    async stop() {
      // Draining: /readyz answers 503 at once, so a load balancer stops sending traffic.
      readiness.state = "draining";
      // A credits read left running in the background finishes too, before the database closes.
      await Promise.all([worker.stop(), webhooks.dispatcher.stop(), credits.stop()]);
      snapshots.close();
      breaker.shutdown();
      await redisNotifier?.close();
    },
  };
}

/**
 * Yoga's own log lines go through ours. A GraphQLError it logs is the client's mistake
 * (bad variables, bad query), not ours: debug, not error.
 */
function yogaLogger(logger: Logger) {
  const fields = (args: unknown[]) => (args.length > 0 ? { detail: args } : undefined);
  return {
    debug: (...args: unknown[]) => logger.debug("yoga", fields(args)),
    info: (...args: unknown[]) => logger.info("yoga", fields(args)),
    warn: (...args: unknown[]) => logger.warn("yoga", fields(args)),
    error: (...args: unknown[]) =>
      args.every((arg) => arg instanceof GraphQLError)
        ? logger.debug("client error", fields(args))
        : logger.error("yoga", fields(args)),
  };
}

function requestIdHeader(): Plugin {
  return {
    onResponse({ request, response }) {
      response.headers.set("x-request-id", requestIdFor(request));
    },
  };
}

/** Logs every error that was not an expected GraphQL error, with the request id clients see. */
function unexpectedErrorLog(logger: Logger): Plugin<GatewayContext> {
  return {
    onExecute({ args }) {
      return {
        onExecuteDone({ result }) {
          if (!("errors" in result) || !result.errors) return;
          for (const error of result.errors) {
            const original = error.originalError;
            if (original && !(original instanceof GraphQLError)) {
              logger.error("unexpected error in a GraphQL operation", {
                requestId: args.contextValue.requestId,
                operationName: args.operationName ?? undefined,
                path: error.path,
                error: original,
              });
            }
          }
        },
      };
    },
  };
}
