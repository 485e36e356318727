import { type Context, type Span, SpanKind, SpanStatusCode, context, propagation, trace } from "@opentelemetry/api";
import { type DocumentNode, type ExecutionResult, type GraphQLField, type GraphQLResolveInfo, type GraphQLSchema, getOperationAST } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { GatewayContext } from "../context";
import { gatewayTracer, inSpan } from "../observability/tracing";
import { requestIdFor } from "./request-id";

/**
 * Traces (on only with OTEL_* settings; compose adds this plugin then): a server span per
 * GraphQL operation, `<type> <name>` (OpenTelemetry's GraphQL conventions), a child of the
 * caller's `traceparent` when it sends one; a span per root field (`Mutation.generateVideo`,
 * `Query.generations`: the resolvers that read and write the database), active while it runs,
 * so the database and Segmind spans it causes nest under it. Nested fields' batched reads
 * (DataLoader) show as database spans under the operation.
 *
 * Attributes: operation type and name, the request id and team id (as in the access log), the
 * root field.
 * Never the document (it may hold a prompt inline), variables, arguments, results or the key.
 */
export function operationTracing(): Plugin<GatewayContext> {
  const operationContexts = new WeakMap<object, Context>();

  const start = (contextValue: GatewayContext, document: DocumentNode, operationName: string | null | undefined) => {
    const operation = getOperationAST(document, operationName);
    const type = operation?.operation ?? "unknown";
    const name = operation?.name?.value;
    const request = (contextValue as { request?: Request }).request;
    const parent = request ? propagation.extract(context.active(), headersOf(request)) : context.active();
    const span = gatewayTracer().startSpan(
      name ? `${type} ${name}` : type,
      {
        kind: SpanKind.SERVER,
        attributes: {
          "graphql.operation.type": type,
          ...(name ? { "graphql.operation.name": name } : {}),
          ...(request ? { "gateway.request_id": requestIdFor(request) } : {}),
          ...(contextValue.principal?.teamId ? { "gateway.team_id": contextValue.principal.teamId } : {}),
        },
      },
      parent,
    );
    operationContexts.set(contextValue, trace.setSpan(parent, span));
    return span;
  };
  const within = <A extends { contextValue?: unknown }, R>(run: (args: A) => R) => (args: A): R => {
    const active = args.contextValue ? operationContexts.get(args.contextValue as object) : undefined;
    return active ? context.with(active, () => run(args)) : run(args);
  };

  return {
    onSchemaChange({ schema }) {
      traceRootFields(schema);
    },
    onExecute({ args, executeFn, setExecuteFn }) {
      const span = start(args.contextValue, args.document, args.operationName);
      setExecuteFn(within(executeFn));
      return {
        onExecuteDone({ result }) {
          if (!isAsyncIterable(result)) {
            finish(span, result);
            return;
          }
          return { onNext: ({ result: next }) => markErrors(span, next), onEnd: () => span.end() };
        },
      };
    },
    onSubscribe({ args, subscribeFn, setSubscribeFn }) {
      const span = start(args.contextValue, args.document, args.operationName);
      setSubscribeFn(within(subscribeFn));
      return {
        onSubscribeError: () => {
          span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
        },
        onSubscribeResult({ result }) {
          if (!isAsyncIterable(result)) {
            finish(span, result);
            return;
          }
          return { onNext: ({ result: next }) => markErrors(span, next), onEnd: () => span.end() };
        },
      };
    },
  };
}

const traced = new WeakSet<GraphQLField<unknown, unknown>>();

/** Wraps each Query and Mutation field's resolver, once per schema, in a span of its own. */
function traceRootFields(schema: GraphQLSchema): void {
  for (const type of [schema.getQueryType(), schema.getMutationType()]) {
    for (const field of Object.values(type?.getFields() ?? {})) {
      const resolve = field.resolve;
      if (!resolve || traced.has(field)) continue;
      traced.add(field);
      field.resolve = (root, args, contextValue, info) =>
        inSpan(`${info.parentType.name}.${info.fieldName}`, { attributes: fieldAttributes(info) }, async () =>
          resolve(root, args, contextValue, info),
        );
    }
  }
}

function fieldAttributes(info: GraphQLResolveInfo) {
  return {
    "graphql.field.name": info.fieldName,
    "graphql.field.parent_type": info.parentType.name,
    "graphql.field.type": String(info.returnType),
  };
}

function finish(span: Span, result: ExecutionResult): void {
  markErrors(span, result);
  span.end();
}

/** Errors by their code only: messages may quote what the client sent. */
function markErrors(span: Span, result: ExecutionResult): void {
  if (!result.errors?.length) return;
  const codes = result.errors.map((error) => String(error.extensions?.code ?? "GRAPHQL_ERROR"));
  span.setStatus({ code: SpanStatusCode.ERROR, message: codes[0] });
  span.setAttribute("graphql.error.codes", [...new Set(codes)]);
}

function headersOf(request: Request): Record<string, string> {
  const carrier: Record<string, string> = {};
  for (const name of ["traceparent", "tracestate"]) {
    const value = request.headers.get(name);
    if (value) carrier[name] = value;
  }
  return carrier;
}

function isAsyncIterable<T>(value: unknown): value is AsyncIterable<T> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}
