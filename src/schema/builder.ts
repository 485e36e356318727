import SchemaBuilder from "@pothos/core";
import ErrorsPlugin from "@pothos/plugin-errors";
import RelayPlugin from "@pothos/plugin-relay";
import { requireScope } from "../auth/principal";
import type { GatewayContext } from "../context";

export const builder = new SchemaBuilder<{
  Context: GatewayContext;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
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
    edgesFieldOptions: { nullable: false },
    nodeFieldOptions: { nullable: false },
    // node/nodes read generations: the `read` scope, like every query. Which rows a caller may
    // see is the loaders' business (a node's loadMany goes through generationById).
    nodeQueryOptions: {
      resolve: (_root, args, context, _info, resolveNode) => {
        requireScope(context.principal, "read");
        return resolveNode(args.id);
      },
    },
    nodesQueryOptions: {
      resolve: (_root, args, context, _info, resolveNodes) => {
        requireScope(context.principal, "read");
        return resolveNodes(args.ids);
      },
    },
  },
  errors: { defaultTypes: [] },
});
