import type { Principal } from "./auth/principal";
import type { PriceTable } from "./budget/prices";
import type { Clock } from "./clock";
import type { CreditsService } from "./credits/service";
import type { Db } from "./db/client";
import type { GenerationJournal } from "./generations/journal";
import type { BudgetAdmission } from "./generations/admission";
import type { EventFeed } from "./generations/event-feed";
import type { EventLists } from "./generations/event-lists";
import type { GenerationNotifier } from "./generations/notifier";
import type { RowSnapshots } from "./generations/row-snapshots";
import type { ProgressEstimator } from "./generations/progress";
import type { UpstreamTarget } from "./generations/types";
import { type Loaders, createLoaders } from "./loaders";
import type { SubscriptionLimiter } from "./limits/subscriptions";
import type { Logger } from "./logger";
import type { MediaStore } from "./media/store";
import type { GatewayMetrics } from "./observability/metrics";
import type { SegmindClient } from "./segmind/types";
import type { Webhooks } from "./webhooks/service";
import type { BudgetAlerts } from "./budget/thresholds";
import type { GenerationRunner } from "./worker/worker";

/** Long-lived collaborators, built once per gateway. */
export interface GatewayServices {
  db: Db;
  databaseProvider: "sqlite" | "postgresql";
  clock: Clock;
  logger: Logger;
  segmind: SegmindClient;
  media: MediaStore;
  worker: GenerationRunner;
  credits: CreditsService;
  upstream: UpstreamTarget;
  notifier: GenerationNotifier;
  /** New generation events, read once per change for every subscriber of this process. */
  feed: EventFeed;
  /** The only writer of generation state (cancelGeneration goes through it too). */
  journal: GenerationJournal;
  progress: ProgressEstimator;
  /** How often subscriptions send a progress tick while waiting. */
  progressTickMs: number;
  publicUrl: string;
  drawSeed?: () => number;
  /** Prometheus metrics of this gateway (src/observability/metrics.ts). */
  metrics: GatewayMetrics;
  /** Per-shape cost estimates for budget holds (src/budget/prices.ts). */
  prices: PriceTable;
  /** Open subscriptions per key and per client address (src/limits/subscriptions.ts). */
  subscriptionLimiter: SubscriptionLimiter;
  /** Signed webhooks: the outbox, its dispatcher, the sealed secrets (src/webhooks/). */
  webhooks: Webhooks;
  /** How long a generation without a deadline waits for Segmind to come back (UPSTREAM_OUTAGE_MAX_WAIT_MS). */
  outageMaxWaitMs: number;
  /** budget.threshold webhooks, raised in the transaction of a hold (src/budget/thresholds.ts). */
  budgetAlerts: BudgetAlerts;
  /** Group commit of each team's concurrent generateVideo requests (src/generations/admission.ts). */
  admission: BudgetAdmission;
  /** Rows this process just wrote, for the worker's first step (src/generations/row-snapshots.ts). */
  snapshots?: RowSnapshots;
  /** Generations' event lists read lately, served again while whole (src/generations/event-lists.ts). */
  eventLists?: EventLists;
}

/** What every resolver sees: the services plus this request's own id and DataLoaders. */
export interface GatewayContext {
  requestId: string;
  services: GatewayServices;
  loaders: Loaders;
  /** Aborts when the client goes away (ends subscriptions promptly). */
  signal: AbortSignal;
  /** Who is calling (see src/auth). */
  principal: Principal;
}

/** The one place a request context is made. */
export function createContext(
  services: GatewayServices,
  requestId: string,
  signal: AbortSignal,
  principal: Principal,
): GatewayContext {
  return { requestId, services, loaders: createLoaders(services.db, principal, services.eventLists), signal, principal };
}
