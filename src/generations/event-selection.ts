import { type FieldNode, type GraphQLResolveInfo, Kind, type SelectionSetNode } from "graphql";
import { EVENT_COLUMNS } from "./event-rows";

/**
 * Which GenerationEvent columns a query's `events { ... }` selects, so a history page reads
 * only those (issue 8: a generation carries ~16 events, and every page paid for all 13
 * columns of each, the long messages and timestamps included, whatever it asked for).
 *
 * Fields, inline fragments and named fragments are followed; a field this map does not know
 * (a new one, a typo GraphQL will refuse anyway) reads every column, so a field added to the
 * type without a line here is slower, never wrong. `@include`/`@skip` are ignored: a column
 * read and not shown costs a little, one shown and not read would be a bug.
 */
const COLUMN_OF_FIELD: Readonly<Record<string, EventColumn | null>> = {
  sequence: "id",
  type: "type",
  at: "createdAt",
  fromStatus: "fromStatus",
  toStatus: "toStatus",
  method: "method",
  path: "path",
  httpStatus: "httpStatus",
  durationMs: "durationMs",
  attempt: "attempt",
  errorCode: "errorCode",
  message: "message",
  __typename: null,
};

/** Every column of an event, in table order: its id, then those it is written with (event-rows.ts). */
export type EventColumn = "id" | (typeof EVENT_COLUMNS)[number][0];
export const EVENT_COLUMN_NAMES: readonly EventColumn[] = ["id", ...EVENT_COLUMNS.map(([column]) => column)];

/** Always read: the grouping key and the order. */
const ALWAYS: readonly EventColumn[] = ["id", "generationId"];

/** yoga caches parsed documents, so a field node is the same object request after request. */
const cache = new WeakMap<FieldNode, readonly EventColumn[]>();

/** The columns `info`'s field (an `events` list of GenerationEvent) selects, in table order. */
export function selectedEventColumns(info: Pick<GraphQLResolveInfo, "fieldNodes" | "fragments">): readonly EventColumn[] {
  const node = info.fieldNodes[0];
  const cached = node && info.fieldNodes.length === 1 ? cache.get(node) : undefined;
  if (cached) return cached;
  const wanted = new Set<EventColumn>(ALWAYS);
  let everything = false;
  const visit = (selectionSet: SelectionSetNode | undefined, seen: Set<string>) => {
    for (const selection of selectionSet?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        const column = COLUMN_OF_FIELD[selection.name.value];
        if (column === undefined) everything = true;
        else if (column) wanted.add(column);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        visit(selection.selectionSet, seen);
      } else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = info.fragments[selection.name.value];
        if (fragment) visit(fragment.selectionSet, seen);
        else everything = true;
      }
    }
  };
  for (const fieldNode of info.fieldNodes) visit(fieldNode.selectionSet, new Set());
  const columns = everything ? EVENT_COLUMN_NAMES : EVENT_COLUMN_NAMES.filter((column) => wanted.has(column));
  if (node && info.fieldNodes.length === 1) cache.set(node, columns);
  return columns;
}
