import { type Sql, sqltag } from "@prisma/client/runtime/client";
import type { Tx } from "../db/client";
import { insertRows } from "../db/insert-rows";
import type { GenerationRow } from "../generations/types";
import { uuidv7 } from "../ids";
import { batchCompletedEvent } from "./batch-completed";
import { FINAL_STATUS_EVENTS, type WebhookEventType, splitEvents } from "./events";
import { generationView, webhookBody } from "./payload";

/**
 * The durable outbox. Whatever causes a webhook (a generation's final status, a budget
 * crossing, a low balance, a finished batch) calls `write` inside the transaction of that
 * change: one WebhookDelivery row per enabled endpoint that wants the event, holding the exact
 * body to send. So the deliveries exist exactly when the change does, and a crash between the
 * commit and the first send loses nothing: the dispatcher's reconciler finds every PENDING row.
 * Once the transaction has committed, the caller hands the ids to `scheduled` so the first
 * attempt goes out at once rather than at the next reconciliation.
 */
export interface OutboxEvent {
  type: WebhookEventType;
  /** Whose event: that team's endpoints get it, and the operators' endpoints (teamId null) too. */
  teamId: string | null;
  data: Record<string, unknown>;
  at: Date;
  generationId?: string | null;
  /** Only this endpoint (a test ping), whatever it subscribed to. */
  endpointId?: string;
  /** Only operators' endpoints (credits.low). */
  operatorsOnly?: boolean;
}

export interface OutboxOptions {
  /** Base of resultUrl in payloads (read when the event happens). */
  publicUrl: () => string;
  /** Called with the ids of committed deliveries (the dispatcher's schedule). */
  schedule: (ids: readonly string[]) => void;
}

export class WebhookOutbox {
  constructor(private readonly options: OutboxOptions) {}

  /** In the transaction of the change: a PENDING delivery per endpoint that takes it. */
  async write(tx: Tx, event: OutboxEvent): Promise<string[]> {
    const endpoints = await endpointsFor(tx, event);
    const takers = event.endpointId ? endpoints : endpoints.filter((endpoint) => splitEvents(endpoint.events).includes(event.type));
    if (takers.length === 0) return [];
    const body = webhookBody(event.type, event.at, event.data);
    const ids = takers.map(() => uuidv7(event.at));
    // Raw, so the transition stays on the driver adapter (src/db/raw-transactions.ts); the other columns take their defaults.
    await insertRows(
      tx,
      "WebhookDelivery",
      DELIVERY_COLUMNS,
      takers.map((endpoint, index) => [ids[index] as string, endpoint.id, endpoint.teamId, event.type, event.generationId ?? null, body, "PENDING", event.at, event.at]),
    );
    return ids;
  }

  /**
   * A generation reached `row.status`, a final one (GenerationJournal.transition); and, when it
   * was the last of its batch to, `batch.completed` (batch-completed.ts).
   */
  async generationFinished(tx: Tx, row: GenerationRow, at: Date): Promise<string[]> {
    const type = FINAL_STATUS_EVENTS[row.status];
    if (!type) return [];
    const ids = await this.write(tx, {
      type,
      teamId: row.teamId,
      generationId: row.id,
      at,
      data: { generation: generationView(row, this.options.publicUrl()) },
    });
    const batch = row.batchId ? await batchCompletedEvent(tx, row.batchId, at, this.options.publicUrl()) : null;
    return batch ? [...ids, ...(await this.write(tx, batch))] : ids;
  }

  /**
   * A condition true exactly when generationFinished would write nothing for `row` reaching
   * `status` (no endpoint that may take the event; the LIKE's superset errs towards a
   * transaction), for a statement that moves the row only then (journal.ts); null when it
   * would write something regardless (the row is in a batch, whose last item's transition
   * checks for batch.completed).
   */
  nothingFinishedFor(row: Pick<GenerationRow, "teamId" | "batchId">, status: string): Sql | null {
    if (row.batchId) return null;
    const type = FINAL_STATUS_EVENTS[status];
    if (!type) return sqltag`TRUE`;
    return sqltag`NOT EXISTS (SELECT 1 FROM "WebhookEndpoint" WHERE ${endpointWhere({ type, teamId: row.teamId })})`;
  }

  /** After the transaction that wrote `ids` committed. */
  scheduled(ids: readonly string[]): void {
    if (ids.length > 0) this.options.schedule(ids);
  }
}

/**
 * The enabled endpoints that may take `event` (the caller filters on their event lists), as
 * fixed SQL: every final status of every generation asks, and Prisma's findMany compiled a
 * plan with its values each time. The LIKE only narrows (a superset: SQLite ignores ASCII
 * case, and `_` matches any character); `write` keeps the endpoints that list the type.
 */
/** The columns a new delivery is written with (WebhookOutbox.write). */
const DELIVERY_COLUMNS = ["id", "endpointId", "teamId", "eventType", "generationId", "payload", "status", "nextAttemptAt", "createdAt"] as const;

function endpointsFor(tx: Tx, event: OutboxEvent): Promise<Array<{ id: string; teamId: string | null; events: string }>> {
  return tx.$queryRaw`SELECT "id", "teamId", "events" FROM "WebhookEndpoint" WHERE ${endpointWhere(event)}`;
}

function endpointWhere(event: Pick<OutboxEvent, "endpointId" | "operatorsOnly" | "teamId" | "type">): Sql {
  const live = sqltag`"enabled" = ${true} AND "deletedAt" IS NULL`;
  if (event.endpointId) return sqltag`"id" = ${event.endpointId} AND ${live}`;
  const whose = event.operatorsOnly || event.teamId === null ? sqltag`"teamId" IS NULL` : sqltag`("teamId" = ${event.teamId} OR "teamId" IS NULL)`;
  return sqltag`${whose} AND ${live} AND "events" LIKE ${`%${event.type}%`}`;
}
