import SchemaBuilder from "@pothos/core";
import ErrorsPlugin from "@pothos/plugin-errors";
import RelayPlugin from "@pothos/plugin-relay";
import { requireScope } from "../auth/principal";
import type { GatewayContext } from "../context";

export const builder = new SchemaBuilder<{
  Context: GatewayContext;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
    ID: { Input: string; Output: string };
  };
  // Fields are non-null unless they say otherwise: nullability is a promise we make on purpose.
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
}>({
  plugins: [ErrorsPlugin, RelayPlugin],
  defaultFieldNullability: false,
  relay: {
    clientMutationId: "omit",
    cursorType: "String",
    // Every element of the schema has a description, the ones the relay plugin makes too.
    nodeTypeOptions: { description: "An object with a global id that `node` and `nodes` can fetch." },
    idFieldOptions: { description: "A global id (opaque); `node(id:)` fetches the object again." },
    pageInfoTypeOptions: { description: "Where a page of a connection sits in the whole list (Relay cursor connections)." },
    hasNextPageFieldOptions: { description: "More items follow this page: ask again with `after: endCursor`." },
    hasPreviousPageFieldOptions: { description: "Items precede this page: ask again with `before: startCursor`." },
    startCursorFieldOptions: { description: "The first item's cursor on this page; null when the page is empty." },
    endCursorFieldOptions: { description: "The last item's cursor on this page; null when the page is empty." },
    firstArgOptions: { description: "At most this many items from the start (or from `after`)." },
    lastArgOptions: { description: "At most this many items from the end (or before `before`)." },
    afterArgOptions: { description: "A cursor: items after this one." },
    beforeArgOptions: { description: "A cursor: items before this one." },
    edgesFieldOptions: { nullable: false, description: "This page's items, each with its cursor." },
    pageInfoFieldOptions: { description: "Cursors and whether more pages exist." },
    cursorFieldOptions: { description: "Opaque; pass it as `after` or `before` to page from here." },
    nodeFieldOptions: { nullable: false, description: "The item." },
    // node/nodes read generations: the `read` scope, like every query. Which rows a caller may
    // see is the loaders' business (a node's loadMany goes through generationById).
    nodeQueryOptions: {
      description: "Any object by its global id; null when there is none the caller may see.",
      args: { id: { description: "A global id, as an object's `id` field gives it." } },
      resolve: (_root, args, context, _info, resolveNode) => {
        requireScope(context.principal, "read");
        return resolveNode(args.id);
      },
    },
    nodesQueryOptions: {
      description: "Objects by their global ids, in the same order; null for each the caller may not see.",
      args: { ids: { description: "Global ids, as objects' `id` fields give them." } },
      resolve: (_root, args, context, _info, resolveNodes) => {
        requireScope(context.principal, "read");
        return resolveNodes(args.ids);
      },
    },
  },
  errors: { defaultTypes: [] },
});
