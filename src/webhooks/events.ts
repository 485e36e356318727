/**
 * The webhook event types, each with the description the schema and docs show. The wire name
 * (`generation.succeeded`) is the payload's `type`; the GraphQL enum uses the constant name.
 */
export const WEBHOOK_EVENT_TYPES = {
  "generation.succeeded": "A generation finished with a stored video (status SUCCEEDED).",
  "generation.failed": "A generation ended without a video (status FAILED); errorCode says why and whether it was billed.",
  "generation.canceled": "cancelGeneration stopped a generation (status CANCELED).",
  "generation.expired": "A generation's deadline passed before it finished (status EXPIRED).",
  "batch.completed": "Every generation of a batch (generateVideos) reached a final status.",
  "budget.threshold":
    "A team or one of its keys reached a configured share (WEBHOOK_BUDGET_THRESHOLDS, default 80 % and 100 %) of its daily or monthly dollar limit, spent + held; once per threshold and calendar UTC day or month.",
  "credits.low": "The Segmind balance was seen below WEBHOOK_CREDITS_LOW_USD; once until a reading at or above it. Operators' endpoints only.",
  "webhook.test": "A test ping (sendTestWebhook), sent to the one endpoint it was asked for.",
} as const satisfies Record<string, string>;

export type WebhookEventType = keyof typeof WEBHOOK_EVENT_TYPES;

export const EVENT_TYPE_NAMES = Object.keys(WEBHOOK_EVENT_TYPES) as WebhookEventType[];

/** Events an endpoint may subscribe to (a test ping is sent on request, never subscribed to). */
export const SUBSCRIBABLE_EVENTS: readonly WebhookEventType[] = EVENT_TYPE_NAMES.filter((type) => type !== "webhook.test");

/** Only operators' endpoints (teamId null) may take these: they are about the whole gateway. */
export const OPERATOR_ONLY_EVENTS: ReadonlySet<WebhookEventType> = new Set(["credits.low"]);

/** The event a generation's final status sends. */
export const FINAL_STATUS_EVENTS: Readonly<Record<string, WebhookEventType>> = {
  SUCCEEDED: "generation.succeeded",
  FAILED: "generation.failed",
  CANCELED: "generation.canceled",
  EXPIRED: "generation.expired",
};

export function isWebhookEventType(value: string): value is WebhookEventType {
  return Object.hasOwn(WEBHOOK_EVENT_TYPES, value);
}

/** The stored form of an endpoint's events (comma-separated) and back. */
export const joinEvents = (events: readonly WebhookEventType[]): string => [...new Set(events)].join(",");
export const splitEvents = (text: string): WebhookEventType[] =>
  text.split(",").filter((name): name is WebhookEventType => isWebhookEventType(name));
