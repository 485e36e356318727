import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import type { AttemptOutcome } from "../webhooks/send";
import { generationContext, inSpan } from "./tracing";

/**
 * One webhook delivery attempt as a `webhook deliver` client span: in its generation's trace
 * (under the `generation` root, beside the worker steps) when the event is a generation's,
 * else a trace of its own. Attributes: the event type, delivery id, attempt number, the
 * receiver's status. Never the URL (it may carry a token), the payload or the signature.
 */
export function webhookAttemptSpan(
  delivery: { id: string; eventType: string; generationId: string | null; attempts: number },
  send: () => Promise<AttemptOutcome>,
): Promise<AttemptOutcome> {
  const attributes = {
    "webhook.event_type": delivery.eventType,
    "webhook.delivery_id": delivery.id,
    "webhook.attempt": delivery.attempts + 1,
    ...(delivery.generationId ? { "generation.id": delivery.generationId } : {}),
  };
  const parent = delivery.generationId ? generationContext(delivery.generationId) : undefined;
  return inSpan(
    "webhook deliver",
    { kind: SpanKind.CLIENT, attributes },
    async (span) => {
      const outcome = await send();
      if (span.isRecording()) {
        if (outcome.statusCode !== null) span.setAttribute("http.response.status_code", outcome.statusCode);
        if (!outcome.delivered) span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.statusCode === null ? "no answer" : "not delivered" });
      }
      return outcome;
    },
    parent,
  );
}
