import { type ResolveCursorConnectionArgs, resolveCursorConnection } from "@pothos/plugin-relay";
import { GraphQLError } from "graphql";
import { cursorCodec } from "../pagination/cursors";
import { visibleTo } from "../auth/visibility";
import type { GatewayContext } from "../context";
import { isUuid } from "../ids";
import type { GenerationColumn } from "./generation-selection";
import { countGenerations, selectPage } from "./history-reads";
import type { GenerationStatus } from "./status";
import type { GenerationRow } from "./types";

export interface GenerationFilterInput {
  status?: GenerationStatus[] | null;
  seed?: number | null;
  promptContains?: string | null;
  createdAfter?: Date | null;
  createdBefore?: Date | null;
  videoSha256?: string | null;
  tag?: string | null;
  /** A batch's UUID (the schema decodes its global id). */
  batchId?: string | null;
}

export interface ListArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
  filter?: GenerationFilterInput | null;
}

export const MAX_PAGE_SIZE = 100;
const cursors = cursorCodec("generation", isUuid);

/**
 * Newest first, by id: ids are UUIDv7, so id order is creation order and a cursor is just
 * an id (wrapped so clients treat it as opaque). One query for the page; totalCount, when
 * asked for, comes with its rows (the same statement), or from a second query when the page
 * has no row or reads every column. Both see only the caller's generations (visibleTo),
 * and both are fixed SQL (history-reads.ts), not Prisma operations: a page is the hot path.
 * The page's rows hold only `columns` (what the query selects: generation-selection.ts; null:
 * every one), and only whole rows are primed into generationById for later loads to share.
 */
export async function listGenerations(context: GatewayContext, args: ListArgs, columns: readonly GenerationColumn[] | null) {
  for (const size of [args.first, args.last]) {
    if (size != null && (size < 0 || size > MAX_PAGE_SIZE)) {
      throw new GraphQLError(`first and last must be between 0 and ${MAX_PAGE_SIZE}`, {
        extensions: { code: "BAD_USER_INPUT" },
      });
    }
  }
  const { db } = context.services;
  // The caller's tenant first: every filter (and totalCount) only narrows what it may see.
  const filter = args.filter ?? {};
  const visibility = visibleTo(context.principal);
  let counted: number | undefined;
  const connection = await resolveCursorConnection(
    {
      args: { ...args, after: cursors.decode(args.after), before: cursors.decode(args.before) },
      toCursor: (generation: GenerationRow) => cursors.encode(generation.id),
      defaultSize: 20,
      maxSize: MAX_PAGE_SIZE,
    },
    async ({ before, after, limit, inverted }: ResolveCursorConnectionArgs) => {
      const rows = await selectPage(db, { filter, visibility, beforeId: after, afterId: before, ascending: inverted, limit, columns });
      if (columns === null) for (const row of rows) context.loaders.generationById.prime(row.id, row);
      const total = (rows[0] as { totalCount?: number | string } | undefined)?.totalCount;
      if (total !== undefined) counted = Number(total);
      return rows;
    },
  );
  // A number, not a promise, when the rows carried it: yoga's executor places a field's key in
  // the answer when its value settles, so a promise would put totalCount after edges.
  return { ...connection, totalCount: (): number | Promise<number> => counted ?? countGenerations(db, filter, visibility) };
}
