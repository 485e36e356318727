import { SpanKind } from "@opentelemetry/api";
import type { Db } from "../db/client";
import type { DatabaseProvider } from "../db/provider";
import { inSpan } from "./tracing";

/**
 * The same client, with every Prisma operation a `db <Model>.<operation>` client span (a child
 * of the active span: a GraphQL resolver, a worker step). Attributes: the database system, the
 * model and the operation; never the SQL's values or the arguments (they hold prompts).
 * Applied only with tracing on (openDatabase's `traceQueries`): the extension has a cost.
 */
/** The same span for a read that bypasses Prisma (src/db/rows.ts). */
export function inQuerySpan<T>(provider: DatabaseProvider, model: string, operation: string, run: () => Promise<T>): Promise<T> {
  const attributes = { "db.system.name": provider, "db.operation.name": operation, "db.collection.name": model };
  return inSpan(`db ${model}.${operation}`, { kind: SpanKind.CLIENT, attributes }, run);
}

export function withQuerySpans(client: Db, provider: DatabaseProvider): Db {
  const extended = client.$extends({
    query: {
      async $allOperations({ model, operation, args, query }) {
        const name = model ? `${model}.${operation}` : operation;
        const attributes = {
          "db.system.name": provider,
          "db.operation.name": operation,
          ...(model ? { "db.collection.name": model } : {}),
        };
        return inSpan(`db ${name}`, { kind: SpanKind.CLIENT, attributes }, () => query(args));
      },
    },
  });
  // A query-only extension leaves the client's API unchanged; only its type differs.
  return extended as unknown as Db;
}
