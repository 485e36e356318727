import DataLoader from "dataloader";
import { type Principal, isAdmin, requireScope } from "../auth/principal";
import type { GatewayContext } from "../context";
import { InvalidInputError } from "../generations/validation";
import { webhookId } from "../webhooks/deliver";
import { WebhookDeliveryNotFoundError, WebhookEndpointDisabledError, WebhookEndpointNotFoundError } from "../webhooks/errors";
import { SUBSCRIBABLE_EVENTS, WEBHOOK_EVENT_TYPES, type WebhookEventType, splitEvents } from "../webhooks/events";
import { type DeliveryStatus, listDeliveries } from "../webhooks/list";
import {
  DEFAULT_OVERLAP_SECONDS,
  type EndpointScope,
  MAX_OVERLAP_SECONDS,
  type WebhookDeliveryRow,
  type WebhookEndpointRow,
  type WebhookManageDeps,
  createEndpoint,
  deleteEndpoint,
  findEndpoint,
  listEndpoints,
  redeliver,
  rotateSecret,
  sendTestPing,
  updateEndpoint,
} from "../webhooks/manage";
import { builder } from "./builder";
import { ErrorInterface } from "./errors";
import { GenerationRef, generationIdFrom } from "./generation";

/**
 * Webhooks over GraphQL: endpoints, their history, the delivery log, redelivery and test
 * pings. Every field needs the `webhooks` scope (admin holds it). A team's key sees and
 * changes only its team's endpoints and their deliveries; another team's id answers exactly
 * like a missing one. Admin keys see every endpoint and alone manage the operators' endpoints
 * (teamId null: every team's events, and credits.low). The logic is src/webhooks/manage.ts,
 * shared with the CLI.
 */

type EventEnumName = Uppercase<string>;
/** `generation.succeeded` <-> GENERATION_SUCCEEDED. */
const enumName = (type: WebhookEventType) => type.replace(/\./g, "_").toUpperCase() as EventEnumName;

export const WebhookEventTypeEnum = builder.enumType("WebhookEventType", {
  description:
    "What a webhook is about. The payload's `type` is the dotted wire name (GENERATION_SUCCEEDED is `generation.succeeded`).",
  values: Object.fromEntries(
    Object.entries(WEBHOOK_EVENT_TYPES).map(([type, description]) => [enumName(type as WebhookEventType), { value: type, description }]),
  ) as Record<EventEnumName, { value: WebhookEventType; description: string }>,
});

const DisabledReasonEnum = builder.enumType("WebhookEndpointDisabledReason", {
  description: "Why an endpoint receives nothing.",
  values: {
    MANUAL: { description: "Someone disabled it (updateWebhookEndpoint, the CLI) or deleted it." },
    FAILING: {
      description:
        "The gateway disabled it: every delivery failed for a day (from the first failed attempt since the last success). Fix the receiver, enable it, and redeliver what failed.",
    },
  } as const,
});

const DeliveryStatusEnum = builder.enumType("WebhookDeliveryStatus", {
  description: "Where a delivery stands.",
  values: {
    PENDING: { description: "Not delivered yet: its next attempt is at `nextAttemptAt`." },
    DELIVERED: { description: "The receiver answered 2xx." },
    FAILED: {
      description: "Given up: the retry schedule was used up, or the endpoint was disabled or deleted. redeliverWebhook sends it again.",
    },
  } as const,
});

const EndpointEventTypeEnum = builder.enumType("WebhookEndpointEventType", {
  description: "What happened to an endpoint.",
  values: {
    CREATED: { description: "It was created." },
    UPDATED: { description: "Its URL, events or description changed." },
    SECRET_ROTATED: { description: "Its signing secret was replaced." },
    DISABLED: { description: "It was disabled: by request, or by the gateway after a day of failed deliveries (the message says which)." },
    ENABLED: { description: "It was enabled again." },
    DELETED: { description: "It was deleted." },
  } as const,
});

type EndpointEventRow = { id: number; type: string; message: string; createdAt: Date };

const EndpointEventRef = builder.objectRef<EndpointEventRow>("WebhookEndpointEvent").implement({
  description: "One entry of an endpoint's history, for its team to see (e.g. why the gateway disabled it).",
  fields: (t) => ({
    type: t.field({
      type: EndpointEventTypeEnum,
      description: "What happened.",
      resolve: (event) => event.type as "CREATED",
    }),
    message: t.exposeString("message", { description: "What happened, in words." }),
    at: t.field({ type: "DateTime", description: "When.", resolve: (event) => event.createdAt }),
  }),
});

export const WebhookEndpointRef = builder.objectRef<WebhookEndpointRow>("WebhookEndpoint").implement({
  description:
    "A receiver of signed webhooks (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature headers). Its signing secret is shown only by createWebhookEndpoint and rotateWebhookSecret.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "The endpoint's id (a UUID)." }),
    url: t.exposeString("url", { description: "Where webhooks are POSTed (normalised)." }),
    description: t.exposeString("description", { nullable: true, description: "A note for people; the gateway does not use it." }),
    events: t.field({
      type: [WebhookEventTypeEnum],
      description: "The events it receives.",
      resolve: (endpoint) => splitEvents(endpoint.events),
    }),
    enabled: t.exposeBoolean("enabled", { description: "false: nothing is written for it or sent to it." }),
    disabledReason: t.field({
      type: DisabledReasonEnum,
      nullable: true,
      description: "Why it is disabled; null while enabled.",
      resolve: (endpoint) => endpoint.disabledReason as "MANUAL" | "FAILING" | null,
    }),
    disabledAt: t.field({ type: "DateTime", nullable: true, description: "When it was disabled; null while enabled.", resolve: (e) => e.disabledAt }),
    failingSince: t.field({
      type: "DateTime",
      nullable: true,
      description: "The first failed attempt since the last delivered one; null while deliveries succeed. A day of this disables it.",
      resolve: (endpoint) => endpoint.failingSince,
    }),
    operatorEndpoint: t.boolean({
      description: "true: an operators' endpoint (admin keys): every team's events, and credits.low.",
      resolve: (endpoint) => endpoint.teamId === null,
    }),
    teamId: t.exposeString("teamId", { nullable: true, description: "The team whose events it receives; null for an operators' endpoint." }),
    secretRotatedAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When the secret was last rotated; null if never.",
      resolve: (endpoint) => endpoint.secretRotatedAt,
    }),
    previousSecretExpiresAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "After a rotation: until when the previous secret signs too (each message then carries both signatures).",
      resolve: (endpoint) => endpoint.previousSecretExpiresAt,
    }),
    deletedAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When it was deleted (seen only through an old delivery); null otherwise.",
      resolve: (endpoint) => endpoint.deletedAt,
    }),
    createdAt: t.field({ type: "DateTime", description: "When it was created.", resolve: (endpoint) => endpoint.createdAt }),
    updatedAt: t.field({ type: "DateTime", description: "When it last changed.", resolve: (endpoint) => endpoint.updatedAt }),
    history: t.field({
      type: [EndpointEventRef],
      description: "What happened to it (created, rotated, disabled after failing, ...), newest first; at most `last` entries.",
      args: { last: t.arg.int({ defaultValue: 20, description: "How many of the newest entries (1 to 100)." }) },
      resolve: (endpoint, args, context) =>
        context.services.db.webhookEndpointEvent.findMany({
          where: { endpointId: endpoint.id },
          orderBy: { id: "desc" },
          take: Math.min(Math.max(args.last ?? 20, 1), 100),
        }),
    }),
  }),
});

export const WebhookDeliveryRef = builder.objectRef<WebhookDeliveryRow>("WebhookDelivery").implement({
  description: "One webhook for one endpoint: its fixed body and the story of its attempts.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "The delivery's id (a UUID); redeliverWebhook takes it." }),
    webhookId: t.string({
      description: "The `webhook-id` header: the same on every attempt and redelivery, so receivers can deduplicate.",
      resolve: (delivery) => webhookId(delivery.id),
    }),
    eventType: t.field({
      type: WebhookEventTypeEnum,
      description: "What it is about.",
      resolve: (delivery) => delivery.eventType as WebhookEventType,
    }),
    status: t.field({ type: DeliveryStatusEnum, description: "Where it stands.", resolve: (delivery) => delivery.status as DeliveryStatus }),
    attempts: t.exposeInt("attempts", { description: "Attempts made so far (every round together)." }),
    lastStatusCode: t.exposeInt("lastStatusCode", {
      nullable: true,
      description: "The receiver's HTTP status on the last attempt; null when none arrived (timeout, refused connection) or not tried yet.",
    }),
    lastError: t.exposeString("lastError", { nullable: true, description: "Why the last attempt failed, in words; null when it succeeded." }),
    lastDurationMs: t.exposeInt("lastDurationMs", { nullable: true, description: "How long the last attempt took (milliseconds)." }),
    lastAttemptAt: t.field({ type: "DateTime", nullable: true, description: "When the last attempt began.", resolve: (d) => d.lastAttemptAt }),
    nextAttemptAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When the next attempt is due; null unless PENDING.",
      resolve: (delivery) => (delivery.status === "PENDING" ? delivery.nextAttemptAt : null),
    }),
    deliveredAt: t.field({ type: "DateTime", nullable: true, description: "When a 2xx arrived; null until then.", resolve: (d) => d.deliveredAt }),
    createdAt: t.field({ type: "DateTime", description: "When the event happened (the outbox row was written).", resolve: (d) => d.createdAt }),
    payload: t.exposeString("payload", { description: "The exact JSON body every attempt sends." }),
    endpoint: t.field({
      type: WebhookEndpointRef,
      description: "The endpoint it is for (possibly deleted since).",
      resolve: (delivery, _args, context) => endpointLoader(context).load(delivery.endpointId),
    }),
    generation: t.field({
      type: GenerationRef,
      nullable: true,
      description: "The generation it is about, when it is about one (and the caller may see it).",
      resolve: (delivery, _args, context) => (delivery.generationId ? context.loaders.generationById.load(delivery.generationId) : null),
    }),
  }),
});

/**
 * A page of deliveries names a few endpoints many times: one query for all of them, per
 * request (kept with the request's own loaders). Only deliveries the caller may see get here.
 */
const endpointLoaders = new WeakMap<GatewayContext["loaders"], DataLoader<string, WebhookEndpointRow>>();
function endpointLoader(context: GatewayContext): DataLoader<string, WebhookEndpointRow> {
  let loader = endpointLoaders.get(context.loaders);
  if (!loader) {
    const { db } = context.services;
    loader = new DataLoader(async (ids: readonly string[]) => {
      const rows = await db.webhookEndpoint.findMany({ where: { id: { in: [...ids] } } });
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? new Error(`webhook endpoint ${id} is gone`));
    });
    endpointLoaders.set(context.loaders, loader);
  }
  return loader;
}

builder.objectType(WebhookEndpointNotFoundError, {
  name: "WebhookEndpointNotFoundError",
  description: "No webhook endpoint with this id is visible to the caller (another team's answers the same).",
  interfaces: [ErrorInterface],
  fields: (t) => ({ endpointId: t.exposeString("endpointId", { description: "The id as given." }) }),
});

builder.objectType(WebhookDeliveryNotFoundError, {
  name: "WebhookDeliveryNotFoundError",
  description: "No webhook delivery with this id is visible to the caller (another team's answers the same).",
  interfaces: [ErrorInterface],
  fields: (t) => ({ deliveryId: t.exposeString("deliveryId", { description: "The id as given." }) }),
});

builder.objectType(WebhookEndpointDisabledError, {
  name: "WebhookEndpointDisabledError",
  description: "The endpoint is disabled: enable it (updateWebhookEndpoint with enabled: true) first.",
  interfaces: [ErrorInterface],
  fields: (t) => ({
    endpointId: t.exposeString("endpointId", { description: "The disabled endpoint." }),
    disabledReason: t.field({
      type: DisabledReasonEnum,
      nullable: true,
      description: "Why it is disabled.",
      resolve: (error) => error.disabledReason as "MANUAL" | "FAILING" | null,
    }),
  }),
});

/** Which endpoints the caller may see and change: admin keys every one, a team's key its team's. */
function scopeOf(principal: Principal): EndpointScope {
  return isAdmin(principal) ? "all" : { teamId: principal.teamId };
}

function manageDeps(context: GatewayContext): WebhookManageDeps {
  const { db, clock, webhooks } = context.services;
  const { keyId, teamId, clientAddress } = context.principal;
  return { db, clock, secrets: webhooks.secrets, allowPrivateTargets: webhooks.settings.allowPrivateTargets, actor: { keyId, teamId, clientAddress } };
}

/** The `webhooks` scope, checked before anything is looked up. */
function authorize(context: GatewayContext): EndpointScope {
  requireScope(context.principal, "webhooks");
  return scopeOf(context.principal);
}

const EVENTS_HELP = `Any of: ${SUBSCRIBABLE_EVENTS.join(", ")} (credits.low: operators' endpoints only).`;

const CreateEndpointInput = builder.inputType("CreateWebhookEndpointInput", {
  description: "A new endpoint.",
  fields: (t) => ({
    url: t.string({
      required: true,
      description:
        "An absolute http(s) URL (at most 2,048 characters) on a public address: the SSRF rules of first-frame URLs apply, now and at every send, and redirects are not followed.",
    }),
    events: t.field({ type: [WebhookEventTypeEnum], required: true, description: `What it receives. ${EVENTS_HELP}` }),
    description: t.string({ description: "A note for people (at most 200 characters)." }),
    enabled: t.boolean({ description: "Default true." }),
    operator: t.boolean({
      description:
        "Admin keys only: an operators' endpoint (every team's events, and credits.low) instead of one for the key's own team.",
    }),
  }),
});

const UpdateEndpointInput = builder.inputType("UpdateWebhookEndpointInput", {
  description: "What to change; omitted fields stay as they are.",
  fields: (t) => ({
    url: t.string({ description: "A new URL (the same rules as on creation)." }),
    events: t.field({ type: [WebhookEventTypeEnum], description: `The events it receives, replacing the old list. ${EVENTS_HELP}` }),
    description: t.string({ description: "A new note; an empty string removes it." }),
    enabled: t.boolean({
      description: "false disables it (its pending deliveries fail); true enables it again and clears its failure streak.",
    }),
  }),
});

const EndpointPayload = builder.objectRef<{ endpoint: WebhookEndpointRow }>("WebhookEndpointPayload").implement({
  description: "The endpoint, as it is now.",
  fields: (t) => ({ endpoint: t.field({ type: WebhookEndpointRef, description: "The endpoint.", resolve: (p) => p.endpoint }) }),
});

const SecretPayload = builder.objectRef<{ endpoint: WebhookEndpointRow; secret: string }>("WebhookSecretPayload").implement({
  description: "The endpoint and its new signing secret, shown this once.",
  fields: (t) => ({
    endpoint: t.field({ type: WebhookEndpointRef, description: "The endpoint.", resolve: (p) => p.endpoint }),
    secret: t.exposeString("secret", {
      description:
        "The signing secret (`whsec_` + base64), shown only now: store it where the receiver can read it and verify with any Standard Webhooks library. It is never shown again.",
    }),
  }),
});

const DeliveryPayload = builder.objectRef<{ delivery: WebhookDeliveryRow }>("WebhookDeliveryPayload").implement({
  description: "A delivery that is now due.",
  fields: (t) => ({ delivery: t.field({ type: WebhookDeliveryRef, description: "The delivery (PENDING).", resolve: (p) => p.delivery }) }),
});

const DeliveryFilter = builder.inputType("WebhookDeliveryFilter", {
  description: "Which deliveries to list; every given condition must hold.",
  fields: (t) => ({
    endpointId: t.id({ description: "One endpoint's." }),
    status: t.field({ type: [DeliveryStatusEnum], description: "Any of these statuses." }),
    eventType: t.field({ type: [WebhookEventTypeEnum], description: "Any of these events." }),
    generationId: t.id({ description: "About this generation (its global id or raw UUID)." }),
  }),
});

builder.queryFields((t) => ({
  webhookEndpoints: t.field({
    type: [WebhookEndpointRef],
    description:
      "The caller's team's webhook endpoints, oldest first (admin keys: every team's and the operators'). Deleted ones are not listed. `webhooks` scope.",
    resolve: (_root, _args, context) => listEndpoints(context.services.db, authorize(context)),
  }),
  webhookEndpoint: t.field({
    type: WebhookEndpointRef,
    nullable: true,
    description: "One endpoint by id; null when there is none the caller may see. `webhooks` scope.",
    args: { id: t.arg.id({ required: true, description: "The endpoint's id." }) },
    resolve: async (_root, { id }, context) => {
      const scope = authorize(context);
      return findEndpoint(context.services.db, scope, String(id)).catch((error) => {
        if (error instanceof WebhookEndpointNotFoundError) return null;
        throw error;
      });
    },
  }),
  webhookDeliveries: t.connection(
    {
      type: WebhookDeliveryRef,
      description: "The delivery log of the caller's endpoints (admin keys: every endpoint's), newest first. `webhooks` scope.",
      args: { filter: t.arg({ type: DeliveryFilter, description: "Which ones; omitted: all." }) },
      resolve: (_root, args, context) => {
        const scope = authorize(context);
        const filter = args.filter ?? {};
        return listDeliveries(context.services.db, scope, {
          ...args,
          endpointId: filter.endpointId == null ? null : String(filter.endpointId),
          status: filter.status ?? null,
          eventType: filter.eventType ?? null,
          generationId: filter.generationId == null ? null : generationIdFrom(String(filter.generationId)),
        });
      },
    },
    {
      name: "WebhookDeliveryConnection",
      description: "A page of webhook deliveries (Relay cursor connection).",
      fields: (c) => ({
        totalCount: c.int({
          description: "Deliveries matching the filter, across all pages.",
          resolve: (connection) => (connection as unknown as { totalCount: () => Promise<number> }).totalCount(),
        }),
      }),
    },
    { name: "WebhookDeliveryEdge", description: "One delivery in a page, with its cursor." },
  ),
}));

builder.mutationFields((t) => ({
  createWebhookEndpoint: t.field({
    type: SecretPayload,
    description:
      "Registers an endpoint for the key's team (or, with `operator: true` and an admin key, for the operators) and returns its signing secret, this once. `webhooks` scope.",
    args: { input: t.arg({ type: CreateEndpointInput, required: true, description: "The endpoint." }) },
    errors: {
      types: [InvalidInputError],
      directResult: true,
      union: { name: "CreateWebhookEndpointResult", description: "WebhookSecretPayload, or why nothing was created." },
    },
    resolve: (_root, { input }, context) => {
      authorize(context);
      if (input.operator) requireScope(context.principal, "admin");
      if (!input.operator && context.principal.teamId === null) {
        throw new InvalidInputError([{ field: "operator", message: "this key has no team: only an operators' endpoint (operator: true) is possible" }]);
      }
      const owner = { teamId: input.operator ? null : context.principal.teamId };
      return createEndpoint(manageDeps(context), owner, {
        url: input.url,
        events: input.events,
        description: input.description,
        enabled: input.enabled,
      });
    },
  }),
  updateWebhookEndpoint: t.field({
    type: EndpointPayload,
    description: "Changes an endpoint's URL, events, description or enabled state (audited). `webhooks` scope.",
    args: {
      id: t.arg.id({ required: true, description: "The endpoint's id." }),
      input: t.arg({ type: UpdateEndpointInput, required: true, description: "What to change." }),
    },
    errors: {
      types: [WebhookEndpointNotFoundError, InvalidInputError],
      directResult: true,
      union: { name: "UpdateWebhookEndpointResult", description: "WebhookEndpointPayload, or why nothing changed." },
    },
    resolve: async (_root, { id, input }, context) => {
      const scope = authorize(context);
      const endpoint = await updateEndpoint(manageDeps(context), scope, String(id), {
        ...(input.url != null ? { url: input.url } : {}),
        ...(input.events != null ? { events: input.events } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.enabled != null ? { enabled: input.enabled } : {}),
      });
      return { endpoint };
    },
  }),
  deleteWebhookEndpoint: t.field({
    type: EndpointPayload,
    description: "Deletes an endpoint for good: nothing more is sent to it, its pending deliveries fail; its delivery log stays. `webhooks` scope.",
    args: { id: t.arg.id({ required: true, description: "The endpoint's id." }) },
    errors: {
      types: [WebhookEndpointNotFoundError],
      directResult: true,
      union: { name: "DeleteWebhookEndpointResult", description: "WebhookEndpointPayload, or why nothing was deleted." },
    },
    resolve: async (_root, { id }, context) => {
      const scope = authorize(context);
      return { endpoint: await deleteEndpoint(manageDeps(context), scope, String(id)) };
    },
  }),
  rotateWebhookSecret: t.field({
    type: SecretPayload,
    description:
      "Replaces an endpoint's signing secret and returns the new one, this once. For `overlapSeconds` every message carries two signatures (old and new secret), so the receiver can switch without losing one. `webhooks` scope.",
    args: {
      id: t.arg.id({ required: true, description: "The endpoint's id." }),
      overlapSeconds: t.arg.int({
        defaultValue: DEFAULT_OVERLAP_SECONDS,
        description: `How long the previous secret still signs, 0 to ${MAX_OVERLAP_SECONDS} (a week); default a day. 0: at once only the new one.`,
      }),
    },
    errors: {
      types: [WebhookEndpointNotFoundError, InvalidInputError],
      directResult: true,
      union: { name: "RotateWebhookSecretResult", description: "WebhookSecretPayload, or why the secret was not replaced." },
    },
    resolve: (_root, { id, overlapSeconds }, context) => {
      const scope = authorize(context);
      return rotateSecret(manageDeps(context), scope, String(id), overlapSeconds ?? DEFAULT_OVERLAP_SECONDS);
    },
  }),
  redeliverWebhook: t.field({
    type: DeliveryPayload,
    description:
      "Sends one delivery again, now, with a fresh retry schedule: the same body and the same webhook-id (receivers that already have it can tell). `webhooks` scope.",
    args: { id: t.arg.id({ required: true, description: "The delivery's id." }) },
    errors: {
      types: [WebhookDeliveryNotFoundError, WebhookEndpointDisabledError],
      directResult: true,
      union: { name: "RedeliverWebhookResult", description: "WebhookDeliveryPayload, or why it cannot be sent." },
    },
    resolve: async (_root, { id }, context) => {
      const scope = authorize(context);
      const delivery = await redeliver(manageDeps(context), scope, String(id));
      await context.services.webhooks.dispatcher.redeliver(delivery.id);
      return { delivery };
    },
  }),
  sendTestWebhook: t.field({
    type: DeliveryPayload,
    description: "Sends a `webhook.test` ping to one endpoint now, whatever events it receives; follow it in webhookDeliveries. `webhooks` scope.",
    args: { endpointId: t.arg.id({ required: true, description: "The endpoint's id." }) },
    errors: {
      types: [WebhookEndpointNotFoundError, WebhookEndpointDisabledError],
      directResult: true,
      union: { name: "SendTestWebhookResult", description: "WebhookDeliveryPayload, or why no ping was sent." },
    },
    resolve: async (_root, { endpointId }, context) => {
      const scope = authorize(context);
      const { outbox } = context.services.webhooks;
      return { delivery: await sendTestPing({ ...manageDeps(context), outbox }, scope, String(endpointId)) };
    },
  }),
}));
