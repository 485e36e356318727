// The gateway's moving parts, built from its dependencies (see createRuntime).
import { systemClock } from "./clock";
import { DEFAULT_PRICE_TABLE } from "./budget/prices";
import { PlacedHolds } from "./budget/placed-holds";
import { CreditsService } from "./credits/service";
import { createImageFetcher } from "./generations/image-fetch";
import { sharingFetchesInFlight } from "./generations/image-fetch-shared";
import { GenerationJournal } from "./generations/journal";
import { BudgetAdmission } from "./generations/admission";
import { EventFeed } from "./generations/event-feed";
import { postgresOpenTransactions } from "./generations/open-transactions";
import { InProcessNotifier } from "./generations/notifier";
import { ProgressEstimator } from "./generations/progress";
import type { UpstreamTarget } from "./generations/types";
import { Readiness, databaseCheck, migrationsCheck, circuitCheck, redisCheck, segmindCheck, workerCheck } from "./observability/readiness";
import { meteredLimiter } from "./observability/limiter";
import { GatewayMetrics } from "./observability/metrics";
import { SegmindReachability, observeSegmind } from "./observability/segmind";
import { DEFAULT_SSE_COALESCE_MS } from "./http/sse-coalescing";
import { DEFAULT_EVENT_CACHE_EVENTS, EventLists } from "./generations/event-lists";
import { traceSegmind } from "./observability/segmind-spans";
import { DEFAULT_SUBSCRIPTION_LIMITS, SubscriptionLimiter } from "./limits/subscriptions";
import { silentLogger } from "./logger";
import type { Redis } from "ioredis";
import { RedisNotifier } from "./generations/redis-notifier";
import { backoffDelayMs } from "./worker/backoff";
import { DEFAULT_BREAKER_SETTINGS, SubmitBreaker } from "./worker/breaker";
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
import { createWebhooks } from "./webhooks/service";
import { BudgetAlerts } from "./budget/thresholds";
import { LowBalanceAlerts } from "./credits/low-balance";
import type { GatewayServices } from "./context";
import type { GatewayDeps } from "./gateway";

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

export interface GatewayRuntime {
  /** What every request's context and the worker share (src/context.ts). */
  services: GatewayServices;
  /** What /readyz answers: starting until start() finished, draining from stop() on. */
  readiness: Readiness;
  /**
   * Starts the worker (it first resumes what a previous process left, then runs new work), the
   * webhook dispatcher and the Redis notifier (with `shared`).
   */
  start(): Promise<void>;
  /** Drains: the worker, the dispatcher and a background credits read finish; unfinished generations stay resumable, the database stays open. */
  stop(): Promise<void>;
}

/**
 * Everything the gateway runs besides answering HTTP: metrics, the notifier, the journal, the
 * limiter and circuit breaker, the step queue and worker, webhooks, credits, the event feed and
 * the readiness checks, wired once per gateway. createGateway (gateway.ts) puts the HTTP app
 * in front of it.
 */
export function createRuntime(deps: GatewayDeps): GatewayRuntime {
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
  const readiness = new Readiness([
    databaseCheck(deps.db),
    migrationsCheck(deps.db, deps.databaseProvider),
    workerCheck(worker),
    segmindCheck(reachability),
    circuitCheck(breaker),
    ...(deps.shared ? [redisCheck(deps.shared.connection)] : []),
    ...(deps.readinessChecks ?? []),
  ]);

  return {
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
