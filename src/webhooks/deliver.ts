import type { lookup as dnsLookup } from "node:dns";
import { appendAudit } from "../audit/log";
import type { Clock } from "../clock";
import type { Db } from "../db/client";
import type { Logger } from "../logger";
import type { SecretBox } from "./secrets";
import { type AttemptOutcome, sendWebhook } from "./send";
import { webhookAttemptSpan } from "../observability/webhook-spans";
import { nextRetryDelayMs } from "./schedule";

export interface DeliverySettings {
  /** Per attempt, the whole exchange (WEBHOOK_TIMEOUT_MS). */
  timeoutMs: number;
  /** At most this much of an answer is read. */
  maxResponseBytes: number;
  /** WEBHOOK_ALLOW_PRIVATE_TARGETS: loopback and private hosts allowed (development). */
  allowPrivateTargets: boolean;
  /** Waits after each failed attempt of a round (schedule.ts). */
  retryDelaysMs: readonly number[];
  /** An endpoint failing this long (since its first failure after a success) is disabled. */
  disableAfterMs: number;
}

export interface DeliveryDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  secrets: SecretBox;
  settings: DeliverySettings;
  /** Name resolution, whose every answer the SSRF rules check (tests); default the system's. */
  resolve?: typeof dnsLookup;
  /** Told about each attempt (metrics). */
  observe?: (eventType: string, outcome: AttemptOutcome) => void;
}

/** The webhook-id of a delivery: stable across its attempts. */
export const webhookId = (deliveryId: string) => `msg_${deliveryId}`;

/**
 * One step of one delivery, whatever queue runs it (the webhook StepQueue): read the row; if
 * it is PENDING and due, make one attempt and record it; say when the next attempt is due
 * (null when DELIVERED or FAILED). The row is the truth, so a step that runs twice (a job
 * handed on after an instance died mid-attempt) can at worst send once more: at-least-once,
 * with the same webhook-id for the receiver to deduplicate.
 */
export async function advanceDelivery(deps: DeliveryDeps, id: string, signal: AbortSignal): Promise<number | null> {
  const row = await deps.db.webhookDelivery.findUnique({ where: { id }, include: { endpoint: true } });
  if (!row || row.status !== "PENDING") return null;
  if (signal.aborted) return 0;
  const { endpoint } = row;
  const now = deps.clock.now();
  if (!endpoint.enabled || endpoint.deletedAt) {
    const why = endpoint.deletedAt ? "the endpoint was deleted" : "the endpoint is disabled";
    await deps.db.webhookDelivery.updateMany({ where: { id, status: "PENDING" }, data: { status: "FAILED", lastError: why } });
    return null;
  }
  const wait = row.nextAttemptAt.getTime() - now.getTime();
  if (wait > 0) return wait;

  const secrets = [deps.secrets.open(endpoint.secretSealed, endpoint.id)];
  if (endpoint.previousSecretSealed && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now) {
    secrets.push(deps.secrets.open(endpoint.previousSecretSealed, endpoint.id));
  }
  // A span in the generation's trace, when the event is a generation's (a no-op unless tracing is on).
  const outcome = await webhookAttemptSpan(row, () =>
    sendWebhook(
      { url: endpoint.url, id: webhookId(row.id), body: row.payload, secrets, at: now },
      {
        timeoutMs: deps.settings.timeoutMs,
        maxResponseBytes: deps.settings.maxResponseBytes,
        allowPrivateTargets: deps.settings.allowPrivateTargets,
        signal,
        resolve: deps.resolve,
      },
    ),
  );
  deps.observe?.(row.eventType, outcome);
  const finishedAt = deps.clock.now();
  const roundAttempts = row.roundAttempts + 1;
  const delayMs = outcome.delivered ? null : nextRetryDelayMs(roundAttempts, outcome.retryAfterMs, deps.settings.retryDelaysMs);
  const status = outcome.delivered ? "DELIVERED" : delayMs === null ? "FAILED" : "PENDING";

  const recorded = await deps.db.$transaction(async (tx) => {
    // Guarded by the attempt count: a duplicate step's record of the same attempt loses.
    const { count } = await tx.webhookDelivery.updateMany({
      where: { id, status: "PENDING", attempts: row.attempts },
      data: {
        status,
        attempts: row.attempts + 1,
        roundAttempts,
        roundStartedAt: row.roundStartedAt ?? now,
        lastAttemptAt: now,
        lastStatusCode: outcome.statusCode,
        lastError: outcome.error,
        lastDurationMs: outcome.durationMs,
        ...(outcome.delivered ? { deliveredAt: finishedAt } : {}),
        ...(delayMs !== null ? { nextAttemptAt: new Date(finishedAt.getTime() + delayMs) } : {}),
      },
    });
    if (count === 0) return false;
    if (outcome.delivered) {
      await tx.webhookEndpoint.updateMany({ where: { id: endpoint.id, failingSince: { not: null } }, data: { failingSince: null } });
      return true;
    }
    const failingSince = endpoint.failingSince ?? now;
    if (!endpoint.failingSince) {
      await tx.webhookEndpoint.updateMany({ where: { id: endpoint.id, failingSince: null }, data: { failingSince: now } });
    }
    if (finishedAt.getTime() - failingSince.getTime() >= deps.settings.disableAfterMs) {
      const disabled = await tx.webhookEndpoint.updateMany({
        where: { id: endpoint.id, enabled: true },
        data: { enabled: false, disabledReason: "FAILING", disabledAt: finishedAt, updatedAt: finishedAt },
      });
      if (disabled.count > 0) {
        await tx.webhookEndpointEvent.create({
          data: {
            endpointId: endpoint.id,
            type: "DISABLED",
            message: `Disabled: every delivery has failed since ${failingSince.toISOString()} (last: ${outcome.error}). Fix the receiver, then enable it again; failed deliveries can be sent again with redeliverWebhook.`,
            createdAt: finishedAt,
          },
        });
        // Audited in the same transaction: who (nobody: the delivery worker), which endpoint, why.
        await appendAudit(tx, deps.clock, {
          action: "WEBHOOK_ENDPOINT_DISABLED",
          subjectType: "WebhookEndpoint",
          subjectId: endpoint.id,
          details: {
            endpointId: endpoint.id,
            teamId: endpoint.teamId,
            operatorEndpoint: endpoint.teamId === null,
            url: endpoint.url,
            failingSince: failingSince.toISOString(),
            lastError: outcome.error,
            lastStatusCode: outcome.statusCode,
            deliveryId: row.id,
          },
        });
        deps.logger.warn("webhook endpoint disabled after a day of failed deliveries", { endpointId: endpoint.id, teamId: endpoint.teamId });
      }
    }
    return true;
  });
  if (!recorded) return 0; // another step recorded this attempt: read the row again
  return outcome.delivered ? null : delayMs;
}
