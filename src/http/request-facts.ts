import { performance } from "node:perf_hooks";
import { type DocumentNode, Kind, getOperationAST } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { GatewayContext } from "../context";
import { MEDIA_ROUTE_PREFIX } from "../media/keys";

/**
 * What the gateway learns about one HTTP request while serving it, gathered in one place for
 * the access log, the request metrics and the Server-Timing header: when it started, which
 * GraphQL operation it ran, for which team, and how the operation ended. Never its body, its
 * variables or its key.
 */
export interface RequestFacts {
  /** performance.now() when the request reached the gateway. */
  startedAt: number;
  /** The operation's name as the client wrote it (null for an anonymous operation). */
  operationName: string | null;
  operationType: "query" | "mutation" | "subscription" | null;
  teamId: string | null;
  /** The calling key's public prefix (never the key). */
  keyPrefix: string | null;
  /** `extensions.code` of each error the operation answered with, in order. */
  errorCodes: string[];
}

const facts = new WeakMap<Request, RequestFacts>();

/** The facts of a request; a fresh record the first time it is asked for. */
export function requestFacts(request: Request): RequestFacts {
  let found = facts.get(request);
  if (!found) {
    found = { startedAt: performance.now(), operationName: null, operationType: null, teamId: null, keyPrefix: null, errorCodes: [] };
    facts.set(request, found);
  }
  return found;
}

/** Milliseconds since the request reached the gateway. */
export function elapsedMs(request: Request): number {
  return performance.now() - requestFacts(request).startedAt;
}

/**
 * The path as it may be logged: a video's URL is a capability (whoever holds it can play the
 * video), so media paths are logged without their key.
 */
export function loggablePath(url: string): string {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return "(unparsable)";
  }
  if (path.startsWith(MEDIA_ROUTE_PREFIX)) return `${MEDIA_ROUTE_PREFIX}…`;
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}

/** Gathers the facts. First among the plugins, so `startedAt` is the request's arrival. */
export function requestFactsPlugin(): Plugin<GatewayContext> {
  const operationOf = (request: Request, document: DocumentNode, operationName: unknown) => {
    const found = requestFacts(request);
    // The body is the client's: `operationName` may be any JSON value; yoga answers 400 for a
    // non-string one after this hook, so here it only must not throw.
    const named = typeof operationName === "string" ? operationName : undefined;
    const operation = getOperationAST(document, named);
    found.operationName = (operation?.name?.value ?? named ?? null)?.slice(0, 128) ?? null;
    found.operationType = operation?.operation ?? null;
  };
  const callerOf = ({ args }: { args: { contextValue: GatewayContext & { request?: Request } } }) => {
    const request = args.contextValue.request;
    if (!request) return;
    const found = requestFacts(request);
    found.teamId = args.contextValue.principal?.teamId ?? null;
    found.keyPrefix = args.contextValue.principal?.keyPrefix ?? null;
  };
  return {
    onRequest({ request }) {
      requestFacts(request);
    },
    onParams({ params, request }) {
      // Known before parsing: kept even when the document never parses.
      if (typeof params.operationName === "string") requestFacts(request).operationName = params.operationName.slice(0, 128);
    },
    // The operation as written, also when validation then refuses it.
    onParse({ context }) {
      const { request, params } = context as unknown as { request?: Request; params?: { operationName?: unknown } };
      return ({ result }) => {
        if (request && (result as DocumentNode | null)?.kind === Kind.DOCUMENT) {
          operationOf(request, result as DocumentNode, params?.operationName);
        }
      };
    },
    onExecute: callerOf,
    onSubscribe: callerOf,
    // Every answer passes here, also errors raised before execution (parse, validation, 401).
    onResultProcess({ result, request }) {
      const results = Array.isArray(result) ? result : [result];
      const found = requestFacts(request);
      for (const one of results) {
        for (const error of (one as { errors?: readonly unknown[] } | undefined)?.errors ?? []) {
          const code = (error as { extensions?: { code?: unknown } } | undefined)?.extensions?.code;
          found.errorCodes.push(typeof code === "string" ? code : "GRAPHQL_ERROR");
        }
      }
    },
  };
}
