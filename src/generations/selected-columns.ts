import { type FieldNode, type GraphQLResolveInfo, Kind, type SelectionSetNode } from "graphql";

/**
 * What each field of a GraphQL type reads of the row behind it, so a read can fetch only the
 * columns a query selects (issue 8: every row read was every column, and on SQLite each value
 * costs the driver about as much as the next, whether shown or not).
 *
 * A list: the field reads these columns, and whatever it selects below reads something else
 * (a generation's events are loaded by its id). A map: the field's own selection reads the same
 * row (a generation's manifest; a connection's edges and their node), field by field.
 * `__typename` reads nothing anywhere. A field the map does not name (a new one) reads every
 * column, so a field added to a type without a line here is slower, never wrong.
 */
export interface ColumnMap<C extends string> {
  readonly [field: string]: readonly C[] | ColumnMap<C>;
}

type Info = Pick<GraphQLResolveInfo, "fieldNodes" | "fragments">;

/**
 * A reader of `info`'s selection by `map`: hands `finish` the columns selected, `always`
 * included, or null when a selected field is not in the map (read every column). Fields, inline
 * fragments and named fragments are followed; `@include`/`@skip` are ignored (a column read and
 * not shown costs a little, one shown and not read would be a bug). yoga caches parsed
 * documents, so a field node is the same object request after request: the answer is kept per node.
 */
export function selectionReader<C extends string, R>(
  map: ColumnMap<C>,
  always: readonly C[],
  finish: (wanted: ReadonlySet<C> | null) => R,
): (info: Info) => R {
  const cache = new WeakMap<FieldNode, R>();
  return (info) => {
    const node = info.fieldNodes.length === 1 ? info.fieldNodes[0] : undefined;
    if (node && cache.has(node)) return cache.get(node) as R;
    const wanted = new Set<C>(always);
    let everything = false;
    const spread = new WeakMap<ColumnMap<C>, Set<string>>();
    const visit = (selectionSet: SelectionSetNode | undefined, fields: ColumnMap<C>) => {
      for (const selection of selectionSet?.selections ?? []) {
        if (selection.kind === Kind.FIELD) {
          const name = selection.name.value;
          if (name === "__typename") continue;
          const entry = Object.hasOwn(fields, name) ? fields[name] : undefined;
          if (entry === undefined) everything = true;
          else if (isColumnList(entry)) for (const column of entry) wanted.add(column);
          else visit(selection.selectionSet, entry);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          visit(selection.selectionSet, fields);
        } else {
          const seen = spread.get(fields) ?? new Set<string>();
          spread.set(fields, seen);
          if (seen.has(selection.name.value)) continue;
          seen.add(selection.name.value);
          const fragment = info.fragments[selection.name.value];
          if (fragment) visit(fragment.selectionSet, fields);
          else everything = true;
        }
      }
    };
    for (const fieldNode of info.fieldNodes) visit(fieldNode.selectionSet, map);
    const result = finish(everything ? null : wanted);
    if (node) cache.set(node, result);
    return result;
  };
}

function isColumnList<C extends string>(entry: readonly C[] | ColumnMap<C>): entry is readonly C[] {
  return Array.isArray(entry);
}
