import { parseArgs } from "node:util";
import type { Clock } from "../clock";
import type { Db } from "../db/client";
import { InvalidInputError } from "../generations/validation";
import { WebhookDeliveryNotFoundError, WebhookEndpointDisabledError, WebhookEndpointNotFoundError } from "../webhooks/errors";
import { SUBSCRIBABLE_EVENTS } from "../webhooks/events";
import { type DeliveryStatus, listDeliveries } from "../webhooks/list";
import {
  type EndpointScope,
  type WebhookEndpointRow,
  type WebhookManageDeps,
  createEndpoint,
  deleteEndpoint,
  findEndpoint,
  listEndpoints,
  redeliver,
  rotateSecret,
  updateEndpoint,
} from "../webhooks/manage";
import type { SecretBox } from "../webhooks/secrets";
import { type CliIo, UsageError } from "./keys";

/**
 * `npm run webhooks -- <command>`: webhook endpoints and their delivery log, straight on the
 * database (no server needed), as the operator. Parsing and printing only; the operations are
 * src/webhooks/manage.ts, shared with the GraphQL API, and audited with the operator's OS user.
 * A redelivery is made due here and sent by the running gateway (its reconciler picks up
 * pending deliveries within WORKER_RECONCILE_INTERVAL_MS).
 */
export const USAGE = `Usage: npm run webhooks -- <command> [options]

Endpoints
  endpoint create (--team <name> | --operator) --url <url> --events <e1,e2> [--description <text>] [--disabled]
                                     register an endpoint; its signing secret is printed once
  endpoint list [--team <name> | --operator]
                                     endpoints (every team's and the operators' without a filter)
  endpoint show <id>                 one endpoint and its history (why it was disabled, ...)
  endpoint rotate <id> [--overlap-seconds N]
                                     a new signing secret, printed once; the old one signs too
                                     for N seconds (default 86400, at most 604800)
  endpoint disable <id>              stop sending to it (its pending deliveries fail)
  endpoint enable <id>               send to it again (its failure streak is forgotten)
  endpoint delete <id>               delete it for good (its delivery log stays)

Deliveries
  delivery list [--endpoint <id>] [--status PENDING,DELIVERED,FAILED] [--limit N]
                                     the delivery log, newest first (default 20, at most 100)
  delivery redeliver <id>            send one delivery again (same body, same webhook-id)

Events: ${SUBSCRIBABLE_EVENTS.join(", ")} (credits.low: --operator endpoints only).
Add --json to any command for machine-readable output.
DATABASE_URL chooses the database; WEBHOOK_SECRET_KEY (or WEBHOOK_SECRET_KEY_FILE) must be the
gateway's own, or the gateway cannot open the secrets made here.`;

export interface WebhookCliDeps {
  db: Db;
  clock: Clock;
  secrets: SecretBox;
  allowPrivateTargets: boolean;
  operator: { clientAddress: string; user: string | null };
}

/** The operator's mistakes: said plainly, exit 1. */
export class WebhookCliError extends Error {
  override readonly name = "WebhookCliError";
}

export async function runWebhooksCommand(argv: string[], deps: WebhookCliDeps, io: CliIo): Promise<void> {
  const [group, command, ...rest] = argv;
  if (group === undefined || group === "help" || group === "--help" || group === "-h") {
    io.out(USAGE);
    return;
  }
  const handler = COMMANDS[`${group} ${command ?? ""}`];
  if (!handler) throw new UsageError(`Unknown command "${[group, command].filter(Boolean).join(" ")}".\n\n${USAGE}`);
  try {
    await handler(rest, deps, io);
  } catch (error) {
    if (error instanceof InvalidInputError) {
      throw new WebhookCliError(error.fields.map((field) => `--${field.field}: ${field.message}`).join("\n"));
    }
    if (error instanceof WebhookEndpointNotFoundError) throw new WebhookCliError(`No webhook endpoint ${error.endpointId}.`);
    if (error instanceof WebhookDeliveryNotFoundError) throw new WebhookCliError(`No webhook delivery ${error.deliveryId}.`);
    if (error instanceof WebhookEndpointDisabledError) {
      throw new WebhookCliError(`Endpoint ${error.endpointId} is disabled (${error.disabledReason ?? "MANUAL"}): npm run webhooks -- endpoint enable ${error.endpointId}`);
    }
    throw error;
  }
}

type Handler = (args: string[], deps: WebhookCliDeps, io: CliIo) => Promise<void>;

const manage = (deps: WebhookCliDeps): WebhookManageDeps => ({
  db: deps.db,
  clock: deps.clock,
  secrets: deps.secrets,
  allowPrivateTargets: deps.allowPrivateTargets,
  actor: { keyId: null, teamId: null, clientAddress: deps.operator.clientAddress, operator: deps.operator.user },
});

/** The operator sees and changes every endpoint. */
const ALL: EndpointScope = "all";

const COMMANDS: Record<string, Handler> = {
  async "endpoint create"(args, deps, io) {
    const { values } = parse(args, { team: STRING, operator: BOOLEAN, url: STRING, events: STRING, description: STRING, disabled: BOOLEAN }, 0);
    if (values.url === undefined || values.events === undefined) throw new UsageError(`endpoint create needs --url and --events.\n\n${USAGE}`);
    const teamId = await ownerOf(deps.db, values);
    const { endpoint, secret } = await createEndpoint(manage(deps), { teamId }, {
      url: values.url as string,
      events: String(values.events).split(",").map((event) => event.trim()).filter(Boolean),
      description: (values.description as string | undefined) ?? null,
      enabled: !values.disabled,
    });
    if (values.json) return io.out(JSON.stringify({ secret, endpoint: view(endpoint) }));
    io.out(`Created webhook endpoint ${endpoint.id} (${endpoint.teamId ? `team ${values.team}` : "operators"}) for ${endpoint.events} at ${endpoint.url}.`);
    io.out(`  secret: ${secret}`);
    io.out("Store the secret where the receiver can read it: it is shown only this once. Verify with any Standard Webhooks library.");
  },

  async "endpoint list"(args, deps, io) {
    const { values } = parse(args, { team: STRING, operator: BOOLEAN }, 0);
    const scope: EndpointScope = values.team === undefined && !values.operator ? ALL : { teamId: await ownerOf(deps.db, values) };
    const endpoints = await listEndpoints(deps.db, scope);
    if (values.json) return io.out(JSON.stringify(endpoints.map(view)));
    if (endpoints.length === 0) return io.out("No webhook endpoints: npm run webhooks -- endpoint create ...");
    const teams = await teamNames(deps.db, endpoints);
    table(
      io,
      ["id", "owner", "url", "events", "state", "failing since", "created"],
      endpoints.map((e) => [e.id, e.teamId ? (teams.get(e.teamId) ?? e.teamId) : "(operators)", e.url, e.events, state(e), iso(e.failingSince), iso(e.createdAt)]),
    );
  },

  async "endpoint show"(args, deps, io) {
    const { values, positionals } = parse(args, {}, 1);
    const endpoint = await findEndpoint(deps.db, ALL, positionals[0] as string);
    const history = await deps.db.webhookEndpointEvent.findMany({ where: { endpointId: endpoint.id }, orderBy: { id: "desc" }, take: 50 });
    if (values.json) return io.out(JSON.stringify({ endpoint: view(endpoint), history }));
    io.out(`${endpoint.id}  ${endpoint.url}`);
    io.out(`  events: ${endpoint.events}; ${state(endpoint)}${endpoint.failingSince ? `; failing since ${iso(endpoint.failingSince)}` : ""}`);
    if (endpoint.description) io.out(`  description: ${endpoint.description}`);
    for (const event of history) io.out(`  ${iso(event.createdAt)}  ${event.type.padEnd(14)} ${event.message}`);
  },

  async "endpoint rotate"(args, deps, io) {
    const { values, positionals } = parse(args, { "overlap-seconds": STRING }, 1);
    const text = values["overlap-seconds"] as string | undefined;
    if (text !== undefined && !/^\d+$/.test(text)) throw new WebhookCliError(`--overlap-seconds must be a whole number of seconds; got "${text}".`);
    const { endpoint, secret } = await rotateSecret(manage(deps), ALL, positionals[0] as string, text === undefined ? undefined : Number(text));
    if (values.json) return io.out(JSON.stringify({ secret, endpoint: view(endpoint) }));
    io.out(`Rotated the signing secret of ${endpoint.id}.`);
    io.out(`  secret: ${secret}`);
    io.out(
      endpoint.previousSecretExpiresAt
        ? `The previous secret signs too (two signatures per message) until ${iso(endpoint.previousSecretExpiresAt)}.`
        : "The previous secret no longer signs.",
    );
  },

  async "endpoint disable"(args, deps, io) {
    await setEnabled(args, deps, io, false);
  },

  async "endpoint enable"(args, deps, io) {
    await setEnabled(args, deps, io, true);
  },

  async "endpoint delete"(args, deps, io) {
    const { values, positionals } = parse(args, {}, 1);
    const endpoint = await deleteEndpoint(manage(deps), ALL, positionals[0] as string);
    if (values.json) return io.out(JSON.stringify(view(endpoint)));
    io.out(`Deleted webhook endpoint ${endpoint.id}; nothing more is sent to it.`);
  },

  async "delivery list"(args, deps, io) {
    const { values } = parse(args, { endpoint: STRING, status: STRING, limit: STRING }, 0);
    const statuses = values.status === undefined ? null : String(values.status).split(",").map((s) => s.trim().toUpperCase());
    const unknown = statuses?.filter((s) => !["PENDING", "DELIVERED", "FAILED"].includes(s)) ?? [];
    if (unknown.length > 0) throw new WebhookCliError(`--status: unknown ${unknown.join(", ")}; known: PENDING, DELIVERED, FAILED.`);
    const limit = values.limit === undefined ? 20 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new WebhookCliError(`--limit must be a whole number from 1 to 100; got "${values.limit}".`);
    const page = await listDeliveries(deps.db, ALL, {
      first: limit,
      endpointId: (values.endpoint as string | undefined) ?? null,
      status: statuses as DeliveryStatus[] | null,
    });
    const rows = page.edges.map((edge) => edge.node);
    if (values.json) return io.out(JSON.stringify(rows.map(({ payload: _payload, ...row }) => row)));
    if (rows.length === 0) return io.out("No deliveries.");
    table(
      io,
      ["id", "event", "status", "attempts", "last code", "last error", "ms", "next attempt", "created"],
      rows.map((d) => [
        d.id,
        d.eventType,
        d.status,
        String(d.attempts),
        d.lastStatusCode === null ? "-" : String(d.lastStatusCode),
        d.lastError ?? "-",
        d.lastDurationMs === null ? "-" : String(d.lastDurationMs),
        d.status === "PENDING" ? iso(d.nextAttemptAt) : "-",
        iso(d.createdAt),
      ]),
    );
  },

  async "delivery redeliver"(args, deps, io) {
    const { values, positionals } = parse(args, {}, 1);
    const delivery = await redeliver(manage(deps), ALL, positionals[0] as string);
    if (values.json) return io.out(JSON.stringify({ id: delivery.id, status: delivery.status, nextAttemptAt: delivery.nextAttemptAt }));
    io.out(`Delivery ${delivery.id} is due again (webhook-id msg_${delivery.id}); the running gateway sends it within WORKER_RECONCILE_INTERVAL_MS.`);
  },
};

async function setEnabled(args: string[], deps: WebhookCliDeps, io: CliIo, enabled: boolean) {
  const { values, positionals } = parse(args, {}, 1);
  const endpoint = await updateEndpoint(manage(deps), ALL, positionals[0] as string, { enabled });
  if (values.json) return io.out(JSON.stringify(view(endpoint)));
  io.out(`Webhook endpoint ${endpoint.id} is ${enabled ? "enabled" : "disabled"}.`);
}

/** --team <name> -> its id; --operator -> null (an operators' endpoint). Exactly one. */
async function ownerOf(db: Db, values: Record<string, string | boolean | undefined>): Promise<string | null> {
  if ((values.team === undefined) === !values.operator) throw new UsageError(`Give exactly one of --team <name> and --operator.\n\n${USAGE}`);
  if (values.operator) return null;
  const team = await db.team.findUnique({ where: { name: String(values.team) }, select: { id: true } });
  if (!team) throw new WebhookCliError(`No team named "${values.team}" (npm run keys -- team list).`);
  return team.id;
}

async function teamNames(db: Db, endpoints: WebhookEndpointRow[]): Promise<Map<string, string>> {
  const ids = [...new Set(endpoints.flatMap((e) => (e.teamId ? [e.teamId] : [])))];
  const teams = ids.length === 0 ? [] : await db.team.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } });
  return new Map(teams.map((team) => [team.id, team.name]));
}

/** Everything but the sealed secrets. */
function view(endpoint: WebhookEndpointRow) {
  const { secretSealed: _secret, previousSecretSealed: _previous, ...rest } = endpoint;
  return { ...rest, events: endpoint.events.split(","), operatorEndpoint: endpoint.teamId === null };
}

function state(endpoint: WebhookEndpointRow): string {
  return endpoint.enabled ? "enabled" : `disabled (${endpoint.disabledReason ?? "MANUAL"}, ${iso(endpoint.disabledAt)})`;
}

const STRING = { type: "string" } as const;
const BOOLEAN = { type: "boolean" } as const;
type OptionSpec = Record<string, { type: "string" | "boolean" }>;

function parse(args: string[], options: OptionSpec, positionalCount: number) {
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args, options: { ...options, json: BOOLEAN }, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${USAGE}`);
  }
  if (parsed.positionals.length !== positionalCount) {
    throw new UsageError(
      positionalCount === 0 ? `Unexpected argument "${parsed.positionals[0]}".\n\n${USAGE}` : `Expected one argument (an id), got ${parsed.positionals.length}.\n\n${USAGE}`,
    );
  }
  return parsed;
}

function iso(date: Date | null): string {
  return date ? date.toISOString().replace(/\.\d{3}Z$/, "Z") : "-";
}

function table(io: CliIo, headers: string[], rows: string[][]) {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
  io.out(line(headers));
  for (const row of rows) io.out(line(row));
}
