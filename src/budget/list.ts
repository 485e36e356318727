import { type ResolveCursorConnectionArgs, resolveCursorConnection } from "@pothos/plugin-relay";
import { GraphQLError } from "graphql";
import { cursorCodec, isPositiveInteger } from "../pagination/cursors";
import { isAdmin } from "../auth/principal";
import type { GatewayContext } from "../context";
import type { Db } from "../db/client";

export type LedgerEntryRow = Awaited<ReturnType<Db["ledgerEntry"]["findUniqueOrThrow"]>>;

export interface LedgerArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
  /** Admin only: one team's entries. Anyone else sees their own team's, whatever this says. */
  teamId?: string | null;
  generationId?: string | null;
}

export const MAX_LEDGER_PAGE = 100;
const cursors = cursorCodec("ledger", isPositiveInteger);

/**
 * The caller's team's ledger entries, newest first (admin: every team's, or one team's with
 * `teamId`). One query per page; totalCount is a second, run only when asked for. Anonymous
 * callers have no team and so no entries.
 */
export async function listLedger(context: GatewayContext, args: LedgerArgs) {
  for (const size of [args.first, args.last]) {
    if (size != null && (size < 0 || size > MAX_LEDGER_PAGE)) {
      throw new GraphQLError(`first and last must be between 0 and ${MAX_LEDGER_PAGE}`, {
        extensions: { code: "BAD_USER_INPUT" },
      });
    }
  }
  const { db } = context.services;
  const { principal } = context;
  const teamId = isAdmin(principal) ? (args.teamId ?? undefined) : principal.teamId;
  // Nobody's entries: an anonymous caller, or a non-admin naming another team.
  const nothing = teamId === null || (!isAdmin(principal) && args.teamId != null && args.teamId !== teamId);
  const where = {
    ...(teamId != null ? { teamId } : {}),
    ...(args.generationId ? { generationId: args.generationId } : {}),
  };
  const connection = await resolveCursorConnection(
    {
      args: { ...args, after: cursors.decode(args.after), before: cursors.decode(args.before) },
      toCursor: (entry: LedgerEntryRow) => cursors.encode(entry.id),
      defaultSize: 20,
      maxSize: MAX_LEDGER_PAGE,
    },
    async ({ before, after, limit, inverted }: ResolveCursorConnectionArgs): Promise<LedgerEntryRow[]> => {
      if (nothing) return [];
      return db.ledgerEntry.findMany({
        where: {
          ...where,
          id: { ...(after ? { lt: Number(after) } : {}), ...(before ? { gt: Number(before) } : {}) },
        },
        orderBy: { id: inverted ? "asc" : "desc" },
        take: limit,
      });
    },
  );
  return { ...connection, totalCount: async () => (nothing ? 0 : db.ledgerEntry.count({ where })) };
}
