import { type ResolveCursorConnectionArgs, resolveCursorConnection } from "@pothos/plugin-relay";
import { GraphQLError } from "graphql";
import type { Db } from "../db/client";
import { isUuid } from "../ids";
import { cursorCodec } from "../pagination/cursors";
import type { WebhookEventType } from "./events";
import { type EndpointScope, type WebhookDeliveryRow, scopeWhere } from "./manage";

export type DeliveryStatus = "PENDING" | "DELIVERED" | "FAILED";

export interface DeliveryListArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
  endpointId?: string | null;
  status?: readonly DeliveryStatus[] | null;
  eventType?: readonly WebhookEventType[] | null;
  generationId?: string | null;
}

export const MAX_DELIVERY_PAGE = 100;
const cursors = cursorCodec("webhook-delivery", isUuid);

/**
 * The delivery log, newest first (ids are UUIDv7, so id order is creation order): the caller's
 * team's endpoints' deliveries, or every one for `scope: "all"` (admin keys, the CLI). Deleted
 * endpoints' deliveries stay listed. One query per page; totalCount only when asked for.
 */
export async function listDeliveries(db: Db, scope: EndpointScope, args: DeliveryListArgs) {
  for (const size of [args.first, args.last]) {
    if (size != null && (size < 0 || size > MAX_DELIVERY_PAGE)) {
      throw new GraphQLError(`first and last must be between 0 and ${MAX_DELIVERY_PAGE}`, { extensions: { code: "BAD_USER_INPUT" } });
    }
  }
  // An id that is not a UUID matches nothing (it cannot be anyone's endpoint or generation).
  const impossible = (args.endpointId != null && !isUuid(args.endpointId)) || (args.generationId != null && !isUuid(args.generationId));
  const where = {
    ...scopeWhere(scope),
    ...(args.endpointId != null ? { endpointId: args.endpointId } : {}),
    ...(args.generationId != null ? { generationId: args.generationId } : {}),
    ...(args.status?.length ? { status: { in: [...args.status] } } : {}),
    ...(args.eventType?.length ? { eventType: { in: [...args.eventType] } } : {}),
  };
  const connection = await resolveCursorConnection(
    {
      args: { ...args, after: cursors.decode(args.after), before: cursors.decode(args.before) },
      toCursor: (row: WebhookDeliveryRow) => cursors.encode(row.id),
      defaultSize: 20,
      maxSize: MAX_DELIVERY_PAGE,
    },
    async ({ before, after, limit, inverted }: ResolveCursorConnectionArgs): Promise<WebhookDeliveryRow[]> => {
      if (impossible) return [];
      return db.webhookDelivery.findMany({
        where: { ...where, id: { ...(after ? { lt: after } : {}), ...(before ? { gt: before } : {}) } },
        orderBy: { id: inverted ? "asc" : "desc" },
        take: limit,
      });
    },
  );
  return { ...connection, totalCount: async () => (impossible ? 0 : db.webhookDelivery.count({ where })) };
}
