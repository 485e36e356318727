import type { IncomingMessage } from "node:http";
import { authenticate } from "./auth/authenticate";
import { ApiKeyCache } from "./auth/key-cache";
import { type YogaServerInstance, createYoga } from "graphql-yoga";
import type { Clock } from "./clock";
import { type GatewayContext, createContext } from "./context";
import type { PriceTable } from "./budget/prices";
import type { Db } from "./db/client";
import type { ImageFetcher } from "./generations/image-fetch";
import type { GenerationNotifier } from "./generations/notifier";
import type { UpstreamTarget } from "./generations/types";
import { type QueryLimits, DEFAULT_QUERY_LIMITS, armorPlugins } from "./http/armor";
import { corsOptions, corsRefusal } from "./http/cors";
import { createGraphiQL, graphiqlOptions } from "./http/graphiql";
import { studioRoute } from "./http/studio";
import { DEFAULT_MAX_REQUEST_BYTES, boundedBodies, jsonBodiesOnly, malformedGetParamsAre400 } from "./http/request-body";
import { mediaRoute } from "./http/media-route";
import { accessLog } from "./http/access-log";
import { requestFactsPlugin } from "./http/request-facts";
import { healthRoutes } from "./http/health";
import { requestIdFor, requestIdHeader } from "./http/request-id";
import { maskUnexpectedError, unexpectedErrorLog } from "./http/unexpected-errors";
import { yogaLogger } from "./http/yoga-logger";
import type { ReadinessCheck } from "./observability/readiness";
import { metricsRoute, requestMetrics } from "./http/metrics";
import { operationTracing } from "./http/tracing";
import { sharedSubscriptionExecution } from "./http/shared-subscription-execution";
import { DEFAULT_SSE_COALESCE_MS, sseWriteCoalescing } from "./http/sse-coalescing";
import { leanEventStreams } from "./http/event-stream";
import { guardedOnRequest, safetyNet } from "./http/safety-net";
import { storableTextOnly } from "./http/text-input";
import { argumentBounds } from "./http/argument-bounds";
import type { SubscriptionLimits } from "./limits/subscriptions";
import type { Logger } from "./logger";
import type { MediaStore } from "./media/store";
import { schema } from "./schema";
import type { SegmindClient } from "./segmind/types";
import type { BreakerSettings } from "./worker/breaker";
import type { WebhookSettings } from "./webhooks/service";
import { type GatewayRuntime, type SharedCoordination, type WorkerSettings, createRuntime } from "./runtime";

export { DEFAULT_WORKER_SETTINGS, type SharedCoordination, type WorkerSettings } from "./runtime";

export interface GatewayDeps {
  db: Db;
  databaseProvider: "sqlite" | "postgresql";
  segmind: SegmindClient;
  media: MediaStore;
  /** Which upstream this is ("sandbox" or "segmind") and which protocol (v2 async or v1 sync). */
  upstream: Pick<UpstreamTarget, "name" | "mode">;
  /** Base of the URLs the gateway hands out (resultUrl). */
  publicUrl: string;
  clock?: Clock;
  logger?: Logger;
  worker?: Partial<WorkerSettings>;
  creditsCacheTtlMs?: number;
  /** How long `credits` waits for Segmind before answering from the last known balance; default 2 s. */
  creditsReadBudgetMs?: number;
  /** Per-shape cost estimates for budget holds (PRICE_TABLE_USD); default Segmind's list prices. */
  prices?: PriceTable;
  drawSeed?: () => number;
  graphiql?: boolean;
  /** Requests without an API key act anonymously; default true (compose sets it from config). */
  allowAnonymous?: boolean;
  /** How long a verified API key is trusted without reading its row again (AUTH_KEY_CACHE_TTL_MS); default 0: read every time. */
  authKeyCacheTtlMs?: number;
  /** Browser origins allowed cross-origin; none (the default) means same-origin only. */
  corsOrigins?: string[];
  /** Open subscriptions allowed per API key and per client address (0: no limit); default 25 and 50. */
  subscriptionLimits?: Partial<SubscriptionLimits>;
  /** How often subscriptions send a progress tick while waiting; default 2 s. */
  progressTickMs?: number;
  /** SSE writes closer than this to a stream's last write go out together (SSE_COALESCE_MS); 0: each on its own; default 20. */
  sseCoalesceMs?: number;
  /** Events of recently read generations kept in memory, served again while whole (EVENT_CACHE_EVENTS); 0: off; default 20,000. */
  eventCacheEvents?: number;
  /** Wakes subscribers when events are written; in-process by default, Redis with `shared`. */
  notifier?: GenerationNotifier;
  /** Absent: one process (in-process queue, limiter and notifier); set: shared through Redis. */
  shared?: SharedCoordination;
  /** Answer introspection (`__schema`, `__type`); default true. Production should say false. */
  introspection?: boolean;
  /** Request bodies larger than this get 413 before they are parsed; default 1 MiB. */
  maxRequestBytes?: number;
  /** Depth, alias, cost, token and directive limits on GraphQL documents (GraphQL Armor). */
  queryLimits?: Partial<QueryLimits>;
  /** With it, GET /metrics needs `Authorization: Bearer <token>` (METRICS_TOKEN). */
  metricsToken?: string | null;
  /** Readiness checks beyond the database, migrations and worker (e.g. Redis, where used). */
  readinessChecks?: ReadinessCheck[];
  /**
   * Fingerprints each first frame for the manifest (sha256, size). Default: a real fetch under
   * the SSRF rules (src/generations/image-fetch.ts); null: not fingerprinted.
   */
  imageFetcher?: ImageFetcher | null;
  /** Webhook delivery: timeouts, retry schedule, the key sealing secrets, private targets (src/webhooks/). */
  webhooks?: Partial<WebhookSettings>;
  /**
   * Spans for GraphQL operations, root fields and Segmind calls (OTEL_* settings; the SDK is
   * started by the server). Worker steps are spans whenever a tracer provider is registered.
   */
  tracing?: boolean;
  /** The circuit breaker on Segmind submits (SEGMIND_BREAKER_*; src/worker/breaker.ts). */
  breaker?: Partial<BreakerSettings>;
}

/** The yoga app in front of its runtime (services, readiness, start and stop: src/runtime.ts). */
export interface Gateway extends GatewayRuntime {
  yoga: YogaServerInstance<Record<string, unknown>, GatewayContext>;
}

/** Builds the gateway; never listens (src/server.ts does), so tests can call `yoga.fetch`. */
export function createGateway(deps: GatewayDeps): Gateway {
  const runtime = createRuntime(deps);
  const { services, readiness } = runtime;
  const { clock, logger, metrics } = services;
  const graphiql = createGraphiQL();
  const keyCache = new ApiKeyCache(deps.authKeyCacheTtlMs ?? 0);
  const yoga = createYoga<Record<string, unknown>, GatewayContext>({
    schema,
    graphqlEndpoint: "/graphql",
    landingPage: false,
    graphiql: deps.graphiql === false ? false : graphiqlOptions({ allowAnonymous: deps.allowAnonymous ?? true }),
    renderGraphiQL: graphiql.render,
    cors: corsOptions(deps.corsOrigins ?? []),
    context: async ({ request, req }: { request: Request; req?: IncomingMessage }) => {
      const principal = await authenticate(request, req?.socket.remoteAddress ?? null, {
        db: deps.db,
        clock,
        allowAnonymous: deps.allowAnonymous ?? true,
        cache: keyCache,
      });
      return createContext(services, requestIdFor(request), request.signal, principal);
    },
    logging: yogaLogger(logger),
    // Hostile input: bounded bodies (413), JSON bodies only (415), no batching, no uploads.
    // Bounded by boundedBodies (src/http/request-body.ts), which counts only bodies without a Content-Length.
    maxRequestBodySize: false,
    batching: false,
    multipart: false,
    // Unexpected errors reach clients as one generic message; the log has the detail.
    maskedErrors: { maskError: maskUnexpectedError },
    plugins: [
      // First: the request's arrival time and what it ran, for the access log (and metrics).
      requestFactsPlugin(),
      accessLog(logger),
      // Before tracing, which wraps the subscribe function this one sets.
      sharedSubscriptionExecution(),
      leanEventStreams(logger),
      sseWriteCoalescing(deps.sseCoalesceMs ?? DEFAULT_SSE_COALESCE_MS),
      ...(deps.tracing ? [operationTracing()] : []),
      studioRoute({ publicUrl: services.publicUrl }),
      healthRoutes(readiness),
      metricsRoute(metrics, deps.metricsToken ?? null),
      requestMetrics(metrics),
      corsRefusal({ origins: deps.corsOrigins ?? [], publicUrl: services.publicUrl, logger }),
      guardedOnRequest(mediaRoute(deps.media), logger),
      requestIdHeader(),
      unexpectedErrorLog(logger),
      graphiql.compression,
      jsonBodiesOnly(),
      // After every plugin that sets a request parser (jsonBodiesOnly): it wraps the chosen one.
      boundedBodies(deps.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES),
      malformedGetParamsAre400(),
      storableTextOnly(),
      argumentBounds(),
      ...armorPlugins({
        limits: { ...DEFAULT_QUERY_LIMITS, ...deps.queryLimits },
        introspection: deps.introspection !== false,
      }),
      // Last: it wraps whichever request handler the plugins above chose.
      safetyNet(logger),
    ],
  });

  return { ...runtime, yoga };
}
