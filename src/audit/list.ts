import { type ResolveCursorConnectionArgs, resolveCursorConnection } from "@pothos/plugin-relay";
import { GraphQLError } from "graphql";
import { cursorCodec, isPositiveInteger } from "../pagination/cursors";
import type { Db } from "../db/client";
import type { AuditAction } from "./log";
import { sealAudit } from "./seal";

export type AuditEntryRow = Awaited<ReturnType<Db["auditEntry"]["findUniqueOrThrow"]>>;

export interface AuditEventFilter {
  teamId?: string | null;
  keyId?: string | null;
  /** The readable prefix of a key (sgw_live_<prefix>_...), instead of its id. */
  keyPrefix?: string | null;
  action?: AuditAction[] | null;
  /** Inclusive. */
  after?: Date | null;
  /** Exclusive. */
  before?: Date | null;
}

export interface AuditListArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
  filter?: AuditEventFilter | null;
}

export const MAX_AUDIT_PAGE_SIZE = 100;
const cursors = cursorCodec("audit", isPositiveInteger);

/**
 * Newest first, by sequence (the chain's own order); a cursor is a sequence number. One query
 * per page (the filters have indexes: team, key and action each with sequence, and time).
 */
export async function listAuditEntries(db: Db, args: AuditListArgs) {
  for (const size of [args.first, args.last]) {
    if (size != null && (size < 0 || size > MAX_AUDIT_PAGE_SIZE)) {
      throw new GraphQLError(`first and last must be between 0 and ${MAX_AUDIT_PAGE_SIZE}`, {
        extensions: { code: "BAD_USER_INPUT" },
      });
    }
  }
  // Every entry committed so far is in the chain (PostgreSQL chains after the commit: seal.ts).
  await sealAudit(db);
  const where = await whereFor(db, args.filter ?? {});
  return resolveCursorConnection(
    {
      args: { ...args, after: cursors.decode(args.after), before: cursors.decode(args.before) },
      toCursor: (entry: AuditEntryRow) => cursors.encode(entry.sequence),
      defaultSize: 20,
      maxSize: MAX_AUDIT_PAGE_SIZE,
    },
    async ({ before, after, limit, inverted }: ResolveCursorConnectionArgs) => {
      if (where === null) return [];
      const sequence = {
        ...(after ? { lt: Number(after) } : {}),
        ...(before ? { gt: Number(before) } : {}),
      };
      return db.auditEntry.findMany({
        where: { ...where, sequence },
        orderBy: { sequence: inverted ? "asc" : "desc" },
        take: limit,
      });
    },
  );
}

/** null: the filter names a key that does not exist, so nothing matches. */
async function whereFor(db: Db, filter: AuditEventFilter): Promise<Record<string, unknown> | null> {
  const where: Record<string, unknown> = {};
  if (filter.teamId != null) where.actorTeamId = filter.teamId;
  if (filter.keyId != null) where.actorKeyId = filter.keyId;
  if (filter.keyPrefix != null) {
    const key = await db.apiKey.findUnique({ where: { prefix: filter.keyPrefix }, select: { id: true } });
    if (!key || (filter.keyId != null && filter.keyId !== key.id)) return null;
    where.actorKeyId = key.id;
  }
  if (filter.action?.length) where.action = { in: filter.action };
  if (filter.after || filter.before) {
    where.at = { ...(filter.after ? { gte: filter.after } : {}), ...(filter.before ? { lt: filter.before } : {}) };
  }
  return where;
}
