import type { AuditAction } from "../audit/log";
import { appendAudit } from "../audit/log";
import type { Clock } from "../clock";
import type { Db, Tx } from "../db/client";
import { type FieldProblem, InvalidInputError, checkHttpUrl } from "../generations/validation";
import { isUuid, uuidv7 } from "../ids";
import { OPERATOR_ONLY_EVENTS, SUBSCRIBABLE_EVENTS, type WebhookEventType, isWebhookEventType, joinEvents } from "./events";
import { WebhookDeliveryNotFoundError, WebhookEndpointDisabledError, WebhookEndpointNotFoundError } from "./errors";
import type { WebhookOutbox } from "./outbox";
import { type SecretBox, mintWebhookSecret } from "./secrets";

/**
 * Managing webhook endpoints: the GraphQL mutations (`webhooks` scope) and `npm run keys --
 * webhook ...` both call these. Every change is one transaction with its audit entry
 * (WEBHOOK_ENDPOINT_CREATED / _UPDATED / _DELETED, WEBHOOK_SECRET_ROTATED; never the secret)
 * and an entry in the endpoint's own history. A secret is returned in clear only by create
 * and rotate, once.
 */
export type WebhookEndpointRow = Awaited<ReturnType<Db["webhookEndpoint"]["findUniqueOrThrow"]>>;
export type WebhookDeliveryRow = Awaited<ReturnType<Db["webhookDelivery"]["findUniqueOrThrow"]>>;

/** Which endpoints a caller may see and change: one team's, or (admin keys, the CLI) all. */
export type EndpointScope = { teamId: string | null } | "all";

/** Who acts, for the audit trail. */
export interface WebhookActor {
  keyId: string | null;
  teamId: string | null;
  clientAddress: string | null;
  /** The operator's OS user, for the CLI. */
  operator?: string | null;
}

export interface WebhookManageDeps {
  db: Db;
  clock: Clock;
  secrets: SecretBox;
  allowPrivateTargets: boolean;
  actor: WebhookActor;
}

export const URL_MAX_LENGTH = 2_048;
export const DESCRIPTION_MAX_LENGTH = 200;
/** A rotation's overlap: how long the previous secret still signs (at most a week). */
export const MAX_OVERLAP_SECONDS = 7 * 24 * 3_600;
export const DEFAULT_OVERLAP_SECONDS = 24 * 3_600;

export interface EndpointInput {
  url: string;
  events: readonly string[];
  description?: string | null;
  enabled?: boolean | null;
}

export async function createEndpoint(
  deps: WebhookManageDeps,
  owner: { teamId: string | null },
  input: EndpointInput,
): Promise<{ endpoint: WebhookEndpointRow; secret: string }> {
  const checked = checkEndpointInput(input, owner.teamId, deps.allowPrivateTargets);
  const now = deps.clock.now();
  const id = uuidv7(now);
  const secret = mintWebhookSecret();
  const enabled = input.enabled ?? true;
  const endpoint = await deps.db.$transaction(async (tx) => {
    const row = await tx.webhookEndpoint.create({
      data: {
        id,
        teamId: owner.teamId,
        url: checked.url as string,
        description: checked.description ?? null,
        events: joinEvents(checked.events as WebhookEventType[]),
        enabled,
        disabledReason: enabled ? null : "MANUAL",
        disabledAt: enabled ? null : now,
        secretSealed: deps.secrets.seal(secret, id),
        createdAt: now,
        updatedAt: now,
      },
    });
    await history(tx, id, "CREATED", `Created for ${row.events} at ${row.url}.`, now);
    await audit(tx, deps, "WEBHOOK_ENDPOINT_CREATED", row, { url: row.url, events: row.events, enabled });
    return row;
  });
  return { endpoint, secret };
}

export async function updateEndpoint(
  deps: WebhookManageDeps,
  scope: EndpointScope,
  id: string,
  patch: Partial<EndpointInput>,
): Promise<WebhookEndpointRow> {
  const existing = await findEndpoint(deps.db, scope, id);
  const checked = checkEndpointInput(
    { url: patch.url ?? existing.url, events: patch.events ?? existing.events.split(","), description: patch.description },
    existing.teamId,
    deps.allowPrivateTargets,
  );
  const now = deps.clock.now();
  return deps.db.$transaction(async (tx) => {
    const enabling = patch.enabled === true && !existing.enabled;
    const disabling = patch.enabled === false && existing.enabled;
    const data = {
      url: checked.url as string,
      events: joinEvents(checked.events as WebhookEventType[]),
      ...(patch.description !== undefined ? { description: checked.description ?? null } : {}),
      // Enabled again: its failures so far no longer count towards disabling it.
      ...(enabling ? { enabled: true, disabledReason: null, disabledAt: null, failingSince: null } : {}),
      ...(disabling ? { enabled: false, disabledReason: "MANUAL", disabledAt: now } : {}),
      updatedAt: now,
    };
    const row = await tx.webhookEndpoint.update({ where: { id: existing.id }, data });
    const changed = ["url", "events", "description"].filter((field) => (row as Record<string, unknown>)[field] !== (existing as Record<string, unknown>)[field]);
    if (enabling) await history(tx, id, "ENABLED", "Enabled.", now);
    if (disabling) await history(tx, id, "DISABLED", "Disabled by request.", now);
    if (changed.length > 0) await history(tx, id, "UPDATED", `Changed: ${changed.join(", ")}.`, now);
    await audit(tx, deps, "WEBHOOK_ENDPOINT_UPDATED", row, {
      changed,
      enabled: row.enabled,
      url: row.url,
      events: row.events,
    });
    return row;
  });
}

/**
 * A new secret; the previous one keeps signing (each message carries both signatures) for
 * `overlapSeconds`, so receivers can switch without losing a message.
 */
export async function rotateSecret(
  deps: WebhookManageDeps,
  scope: EndpointScope,
  id: string,
  overlapSeconds: number = DEFAULT_OVERLAP_SECONDS,
): Promise<{ endpoint: WebhookEndpointRow; secret: string }> {
  if (!Number.isInteger(overlapSeconds) || overlapSeconds < 0 || overlapSeconds > MAX_OVERLAP_SECONDS) {
    throw new InvalidInputError([{ field: "overlapSeconds", message: `must be a whole number of seconds from 0 to ${MAX_OVERLAP_SECONDS}` }]);
  }
  const existing = await findEndpoint(deps.db, scope, id);
  const now = deps.clock.now();
  const secret = mintWebhookSecret();
  const endpoint = await deps.db.$transaction(async (tx) => {
    const current = await tx.webhookEndpoint.findUniqueOrThrow({ where: { id: existing.id } });
    const expires = new Date(now.getTime() + overlapSeconds * 1_000);
    const row = await tx.webhookEndpoint.update({
      where: { id: existing.id },
      data: {
        secretSealed: deps.secrets.seal(secret, existing.id),
        previousSecretSealed: overlapSeconds > 0 ? current.secretSealed : null,
        previousSecretExpiresAt: overlapSeconds > 0 ? expires : null,
        secretRotatedAt: now,
        updatedAt: now,
      },
    });
    await history(tx, id, "SECRET_ROTATED", overlapSeconds > 0 ? `New secret; the previous one signs too until ${expires.toISOString()}.` : "New secret; the previous one no longer signs.", now);
    await audit(tx, deps, "WEBHOOK_SECRET_ROTATED", row, { overlapSeconds, previousSecretExpiresAt: row.previousSecretExpiresAt?.toISOString() ?? null });
    return row;
  });
  return { endpoint, secret };
}

/** Deleted for good (no more deliveries, pending ones fail); the row stays for the delivery log. */
export async function deleteEndpoint(deps: WebhookManageDeps, scope: EndpointScope, id: string): Promise<WebhookEndpointRow> {
  const existing = await findEndpoint(deps.db, scope, id);
  const now = deps.clock.now();
  return deps.db.$transaction(async (tx) => {
    const row = await tx.webhookEndpoint.update({
      where: { id: existing.id },
      data: { deletedAt: now, enabled: false, disabledReason: existing.disabledReason ?? "MANUAL", disabledAt: existing.disabledAt ?? now, updatedAt: now },
    });
    await history(tx, id, "DELETED", "Deleted.", now);
    await audit(tx, deps, "WEBHOOK_ENDPOINT_DELETED", row, { url: row.url, events: row.events });
    return row;
  });
}

export function listEndpoints(db: Db, scope: EndpointScope): Promise<WebhookEndpointRow[]> {
  return db.webhookEndpoint.findMany({ where: { deletedAt: null, ...scopeWhere(scope) }, orderBy: { id: "asc" } });
}

/** A `webhook.test` delivery to this one endpoint, sent at once (whatever it subscribed to). */
export async function sendTestPing(
  deps: WebhookManageDeps & { outbox: WebhookOutbox },
  scope: EndpointScope,
  id: string,
): Promise<WebhookDeliveryRow> {
  const endpoint = await findEndpoint(deps.db, scope, id);
  if (!endpoint.enabled) throw new WebhookEndpointDisabledError(id, endpoint.disabledReason);
  const now = deps.clock.now();
  const [deliveryId] = await deps.db.$transaction((tx) =>
    deps.outbox.write(tx, {
      type: "webhook.test",
      teamId: endpoint.teamId,
      endpointId: endpoint.id,
      at: now,
      data: { endpointId: endpoint.id, message: "A test ping from seedance-gateway." },
    }),
  );
  deps.outbox.scheduled([deliveryId as string]);
  return deps.db.webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId as string } });
}

/**
 * Makes a delivery due again, now, with a fresh retry schedule: the same webhook-id and the
 * same body, so a receiver that already has it can tell.
 */
export async function redeliver(deps: WebhookManageDeps, scope: EndpointScope, deliveryId: string): Promise<WebhookDeliveryRow> {
  const delivery = isUuid(deliveryId)
    ? await deps.db.webhookDelivery.findFirst({ where: { id: deliveryId, endpoint: { deletedAt: null, ...scopeWhere(scope) } }, include: { endpoint: true } })
    : null;
  if (!delivery) throw new WebhookDeliveryNotFoundError(deliveryId);
  if (!delivery.endpoint.enabled) throw new WebhookEndpointDisabledError(delivery.endpointId, delivery.endpoint.disabledReason);
  const now = deps.clock.now();
  return deps.db.webhookDelivery.update({
    where: { id: delivery.id },
    data: { status: "PENDING", roundAttempts: 0, roundStartedAt: null, nextAttemptAt: now },
  });
}

export async function findEndpoint(db: Db, scope: EndpointScope, id: string): Promise<WebhookEndpointRow> {
  const row = isUuid(id) ? await db.webhookEndpoint.findFirst({ where: { id, deletedAt: null, ...scopeWhere(scope) } }) : null;
  if (!row) throw new WebhookEndpointNotFoundError(id);
  return row;
}

export function scopeWhere(scope: EndpointScope): { teamId?: string | null } {
  return scope === "all" ? {} : { teamId: scope.teamId };
}

function checkEndpointInput(input: EndpointInput, teamId: string | null, allowPrivate: boolean) {
  const problems: FieldProblem[] = [];
  const checkedUrl = checkHttpUrl(input.url.trim(), { maxLength: URL_MAX_LENGTH, allowPrivate });
  if ("problem" in checkedUrl) problems.push({ field: "url", message: checkedUrl.problem });
  const unknown = input.events.filter((event) => !isWebhookEventType(event) || !SUBSCRIBABLE_EVENTS.includes(event));
  if (input.events.length === 0) problems.push({ field: "events", message: "must name at least one event" });
  else if (unknown.length > 0) problems.push({ field: "events", message: `unknown: ${unknown.join(", ")}; known: ${SUBSCRIBABLE_EVENTS.join(", ")}` });
  const operatorOnly = input.events.filter((event) => OPERATOR_ONLY_EVENTS.has(event as WebhookEventType));
  if (teamId !== null && operatorOnly.length > 0) {
    problems.push({ field: "events", message: `${operatorOnly.join(", ")}: for operators' endpoints only (admin keys, or the CLI with --operator)` });
  }
  const description = input.description?.trim() || null;
  if (description !== null && (description.length > DESCRIPTION_MAX_LENGTH || /[\p{Cc}]/u.test(description))) {
    problems.push({ field: "description", message: `must be at most ${DESCRIPTION_MAX_LENGTH} printable characters` });
  }
  if (problems.length > 0) throw new InvalidInputError(problems);
  return { url: "url" in checkedUrl ? checkedUrl.url : null, events: input.events, description };
}

function history(tx: Tx, endpointId: string, type: string, message: string, at: Date) {
  return tx.webhookEndpointEvent.create({ data: { endpointId, type, message, createdAt: at } });
}

function audit(tx: Tx, deps: WebhookManageDeps, action: AuditAction, row: WebhookEndpointRow, details: Record<string, unknown>) {
  return appendAudit(tx, deps.clock, {
    action,
    actorKeyId: deps.actor.keyId,
    actorTeamId: deps.actor.teamId,
    clientAddress: deps.actor.clientAddress,
    subjectType: "WebhookEndpoint",
    subjectId: row.id,
    details: {
      endpointId: row.id,
      teamId: row.teamId,
      operatorEndpoint: row.teamId === null,
      ...details,
      ...(deps.actor.operator !== undefined ? { operator: deps.actor.operator } : {}),
    },
  });
}
