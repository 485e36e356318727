import { randomBytes } from "node:crypto";
import type { lookup as dnsLookup } from "node:dns";
import type { Clock } from "../clock";
import type { Db } from "../db/client";
import type { Logger } from "../logger";
import { BullMqStepQueue } from "../worker/bullmq-queue";
import { InProcessStepQueue } from "../worker/in-process-queue";
import type { StepQueue } from "../worker/queue";
import type { DeliveryDeps, DeliverySettings } from "./deliver";
import { WebhookDispatcher } from "./dispatcher";
import { WebhookOutbox } from "./outbox";
import { DEFAULT_DISABLE_AFTER_MS, DEFAULT_RETRY_DELAYS_MS } from "./schedule";
import { SecretBox } from "./secrets";

export interface WebhookSettings extends DeliverySettings {
  /** Attempts in flight at once in this instance (WEBHOOK_CONCURRENCY). */
  concurrency: number;
  /** How often PENDING deliveries without a job get one. */
  reconcileIntervalMs: number;
  /**
   * The key that seals signing secrets at rest (WEBHOOK_SECRET_KEY or its key file). Default:
   * a random key of this gateway object, which suits tests and nothing else.
   */
  secretKey: () => Buffer;
  /** Name resolution, whose every answer the SSRF rules check (tests); default the system's. */
  resolve?: typeof dnsLookup;
  /** budget.threshold: percentages of a daily or monthly limit (WEBHOOK_BUDGET_THRESHOLDS); empty: off. */
  budgetThresholdsPercent: readonly number[];
  /** credits.low: the Segmind balance below this many dollars (WEBHOOK_CREDITS_LOW_USD); null: off. */
  creditsLowUsd: number | null;
}

export const DEFAULT_WEBHOOK_SETTINGS: Omit<WebhookSettings, "secretKey"> = {
  concurrency: 16,
  reconcileIntervalMs: 15_000,
  timeoutMs: 10_000,
  maxResponseBytes: 64 * 1024,
  allowPrivateTargets: false,
  retryDelaysMs: DEFAULT_RETRY_DELAYS_MS,
  disableAfterMs: DEFAULT_DISABLE_AFTER_MS,
  budgetThresholdsPercent: [80, 100],
  creditsLowUsd: null,
};

/** What the rest of the gateway holds of webhooks. */
export interface Webhooks {
  outbox: WebhookOutbox;
  dispatcher: WebhookDispatcher;
  secrets: SecretBox;
  settings: WebhookSettings;
}

export interface WebhooksDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  settings?: Partial<WebhookSettings>;
  /** Base of resultUrl in payloads, read when an event happens. */
  publicUrl: () => string;
  /** Several instances: the "webhooks" BullMQ queue on this Redis; otherwise in-process. */
  shared?: { connection: import("ioredis").Redis; prefix: string; lockDurationMs: number };
  retryDelayMs: (failures: number) => number;
  /** Told about each attempt (the Prometheus counters). */
  observe?: DeliveryDeps["observe"];
}

/** The outbox, the dispatcher on a StepQueue of its own, and the secret box, wired together. */
export function createWebhooks(deps: WebhooksDeps): Webhooks {
  const ephemeral = randomBytes(32);
  const settings: WebhookSettings = { secretKey: () => ephemeral, ...DEFAULT_WEBHOOK_SETTINGS, ...deps.settings };
  const logAs = ["webhook delivery", "deliveryId"] as const;
  const queue: StepQueue = deps.shared
    ? new BullMqStepQueue({
        connection: deps.shared.connection,
        prefix: deps.shared.prefix,
        name: "webhooks",
        concurrency: settings.concurrency,
        logger: deps.logger,
        retryDelayMs: deps.retryDelayMs,
        lockDurationMs: deps.shared.lockDurationMs,
        logAs,
      })
    : new InProcessStepQueue({ concurrency: settings.concurrency, logger: deps.logger, retryDelayMs: deps.retryDelayMs, logAs });
  const secrets = new SecretBox(settings.secretKey);
  const dispatcher = new WebhookDispatcher(
    { db: deps.db, clock: deps.clock, logger: deps.logger, secrets, settings, resolve: settings.resolve, observe: deps.observe },
    queue,
    { reconcileIntervalMs: settings.reconcileIntervalMs },
  );
  const outbox = new WebhookOutbox({ publicUrl: deps.publicUrl, schedule: (ids) => dispatcher.schedule(ids) });
  return { outbox, dispatcher, secrets, settings };
}
