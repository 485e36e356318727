/** Expected failures of webhook management, returned as data (src/schema/webhooks.ts). */

export class WebhookEndpointNotFoundError extends Error {
  override readonly name = "WebhookEndpointNotFoundError";
  readonly code = "WEBHOOK_ENDPOINT_NOT_FOUND";
  constructor(readonly endpointId: string) {
    super("No webhook endpoint with this id is visible to the caller.");
  }
}

export class WebhookDeliveryNotFoundError extends Error {
  override readonly name = "WebhookDeliveryNotFoundError";
  readonly code = "WEBHOOK_DELIVERY_NOT_FOUND";
  constructor(readonly deliveryId: string) {
    super("No webhook delivery with this id is visible to the caller.");
  }
}

export class WebhookEndpointDisabledError extends Error {
  override readonly name = "WebhookEndpointDisabledError";
  readonly code = "WEBHOOK_ENDPOINT_DISABLED";
  constructor(
    readonly endpointId: string,
    readonly disabledReason: string | null,
  ) {
    super("The endpoint is disabled: enable it (updateWebhookEndpoint) before sending to it.");
  }
}
