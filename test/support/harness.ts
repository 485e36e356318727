import { mkdtempSync, rmSync } from "node:fs";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Clock } from "../../src/clock";
import { type QueryEvent, openDatabase } from "../../src/db/client";
import { type Gateway, type GatewayDeps, type SharedCoordination, type WorkerSettings, createGateway } from "../../src/gateway";
import type { ImageFetcher } from "../../src/generations/image-fetch";
import { gatewayRequestListener } from "../../src/http/request-target";
import type { GenerationStatus } from "../../src/generations/status";
import type { GenerationRow } from "../../src/generations/types";
import { type Logger, createLogger } from "../../src/logger";
import { createFsMediaStore } from "../../src/media/fs-store";
import type { MediaStore } from "../../src/media/store";
import { type SegmindStandIn, type StandInOptions, startSegmindStandIn } from "../../src/sandbox/standin";
import { createSegmindClient } from "../../src/segmind/client";
import type { SegmindClient } from "../../src/segmind/types";
import type { DatabaseTarget, FreshDatabase } from "./databases";

export const TEST_API_KEY = "SG_0123456789abcdef";

/** Fast settings: sandbox jobs of ~150 ms, polls every 20 ms, retries after ~10 ms. */
export const FAST_WORKER: Partial<WorkerSettings> = {
  concurrency: 4,
  pollIntervalMs: 20,
  backoffBaseMs: 10,
  submitMaxAttempts: 3,
  downloadMaxAttempts: 3,
  sweepIntervalMs: 60_000,
};

/** Test receivers listen on 127.0.0.1; retries come after ~50 ms instead of seconds. */
export const TEST_WEBHOOKS: GatewayDeps["webhooks"] = {
  allowPrivateTargets: true,
  retryDelaysMs: [50, 50, 50, 50, 50],
  timeoutMs: 2_000,
};

export interface HarnessOptions {
  /** Events of recent generations kept in memory (GatewayDeps.eventCacheEvents; default the gateway's). */
  eventCacheEvents?: number;
  /** Readiness checks beyond the built-in ones (GatewayDeps.readinessChecks). */
  readinessChecks?: GatewayDeps["readinessChecks"];
  /** Reuse a database (e.g. a second gateway on the first one's database). */
  database?: FreshDatabase;
  /** Reuse a running stand-in. */
  standIn?: SegmindStandIn;
  standInOptions?: Partial<StandInOptions>;
  /** Point the client somewhere else (e.g. a closed port). */
  baseUrl?: string;
  mediaDir?: string;
  /** Store videos here instead of a directory store in `mediaDir` (e.g. an S3 store). */
  media?: MediaStore;
  mode?: "v2" | "v1";
  worker?: Partial<WorkerSettings>;
  clientTimeoutMs?: number;
  creditsCacheTtlMs?: number;
  creditsReadBudgetMs?: number;
  /** Start the worker (resume + run). Default true. */
  start?: boolean;
  drawSeed?: () => number;
  logger?: Logger;
  clock?: Clock;
  /** Wraps the real client (e.g. to hold a submit on the wire until the test lets it go). */
  wrapSegmind?: (client: SegmindClient) => SegmindClient;
  corsOrigins?: string[];
  /** Open subscriptions per key and per address (default: the gateway's). */
  subscriptionLimits?: { perKey?: number; perAddress?: number };
  /** Requests without an API key act anonymously (default true, as in sandbox mode). */
  allowAnonymous?: boolean;
  /**
   * Fingerprints first frames (the manifest's imageSha256). Default null: not done, so tests
   * never reach for the example.com image URLs they use (and event histories stay as they were).
   */
  imageFetcher?: ImageFetcher | null;
  /** Share the queue, rate limit and notifier through Redis (BullMQ), as REDIS_URL does. */
  shared?: SharedCoordination;
  /** Webhook settings (default: private targets allowed, so receivers on 127.0.0.1 work; fast retries). */
  webhooks?: GatewayDeps["webhooks"];
  /** Spans for operations, resolvers, database and Segmind calls, as OTEL_* settings turn on. */
  tracing?: boolean;
  /** The circuit breaker on submits (default: the gateway's). */
  breaker?: GatewayDeps["breaker"];
}

export interface GraphQLResponse<T = any> {
  data?: T;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, unknown> }>;
}

export interface Harness {
  gateway: Gateway;
  standIn: SegmindStandIn;
  database: FreshDatabase;
  db: Gateway["services"]["db"];
  mediaDir: string;
  /** Every Prisma operation, in order (tests count them per GraphQL operation). */
  queries: QueryEvent[];
  /** Lines the gateway logged. */
  logs: string[];
  gql<T = any>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  /** `gql` with `Authorization: Bearer <key>` (null: no header). */
  gqlAs<T = any>(key: string | null, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  generate(input: Record<string, unknown>): Promise<any>;
  waitForStatus(id: string, statuses: GenerationStatus[], timeoutMs?: number): Promise<GenerationRow>;
  /** Serves the gateway over real HTTP on a random port; returns its base URL. */
  listen(): Promise<string>;
  close(options?: { keepDatabase?: boolean; keepStandIn?: boolean; keepMedia?: boolean }): Promise<void>;
}

export async function startHarness(target: DatabaseTarget, options: HarnessOptions = {}): Promise<Harness> {
  const database = options.database ?? (await target.createDatabase());
  const standIn =
    options.standIn ??
    (await startSegmindStandIn({ apiKey: TEST_API_KEY, jobDurationMs: 150, ...options.standInOptions }));
  const mediaDir = options.mediaDir ?? mkdtempSync(join(tmpdir(), "sg-media-"));
  const queries: QueryEvent[] = [];
  const logs: string[] = [];
  const opened = await openDatabase(database.url, { onQuery: (query) => queries.push(query), traceQueries: options.tracing });
  const logger =
    options.logger ??
    createLogger({ level: "debug", secrets: [TEST_API_KEY], write: (line) => logs.push(line) });

  let server: Server | undefined;
  let publicUrl = "http://gateway.test";
  const client = createSegmindClient({
    baseUrl: options.baseUrl ?? standIn.url,
    apiKey: TEST_API_KEY,
    timeoutMs: options.clientTimeoutMs ?? 2_000,
    syncTimeoutMs: options.clientTimeoutMs ?? 5_000,
    downloadIdleTimeoutMs: options.clientTimeoutMs ?? 5_000,
  });
  const segmind = options.wrapSegmind ? options.wrapSegmind(client) : client;
  const gateway = createGateway({
    db: opened.db,
    databaseProvider: opened.provider,
    segmind,
    media: options.media ?? createFsMediaStore(mediaDir),
    upstream: { name: "sandbox", mode: options.mode ?? "v2" },
    publicUrl,
    logger,
    worker: { ...FAST_WORKER, ...options.worker },
    creditsCacheTtlMs: options.creditsCacheTtlMs ?? 30_000,
    creditsReadBudgetMs: options.creditsReadBudgetMs,
    drawSeed: options.drawSeed,
    clock: options.clock,
    corsOrigins: options.corsOrigins,
    subscriptionLimits: options.subscriptionLimits,
    allowAnonymous: options.allowAnonymous,
    imageFetcher: options.imageFetcher ?? null,
    readinessChecks: options.readinessChecks,
    shared: options.shared,
    webhooks: { ...TEST_WEBHOOKS, ...options.webhooks },
    tracing: options.tracing,
    breaker: options.breaker,
    eventCacheEvents: options.eventCacheEvents,
  });
  if (options.start !== false) await gateway.start();

  const harness: Harness = {
    gateway,
    standIn,
    database,
    db: opened.db,
    mediaDir,
    queries,
    logs,
    async gql(query, variables) {
      const response = await gateway.yoga.fetch(`${publicUrl}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/graphql-response+json" },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphQLResponse;
    },
    async gqlAs(key, query, variables) {
      const response = await gateway.yoga.fetch(`${publicUrl}/graphql`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/graphql-response+json",
          ...(key === null ? {} : { authorization: `Bearer ${key}` }),
        },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphQLResponse;
    },
    async generate(input) {
      const result = await harness.gql(GENERATE_VIDEO, { input });
      if (result.errors) throw new Error(`generateVideo failed: ${JSON.stringify(result.errors)}`);
      return result.data.generateVideo;
    },
    async waitForStatus(id, statuses, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const row = await opened.db.generation.findUnique({ where: { id } });
        if (row && statuses.includes(row.status as GenerationStatus)) return row;
        if (Date.now() > deadline) {
          throw new Error(`generation ${id} is ${row?.status ?? "missing"} (${row?.errorCode} ${row?.errorMessage}), expected ${statuses.join("|")}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 15));
      }
    },
    async listen() {
      server = createServer(gatewayRequestListener(gateway.yoga));
      await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
      publicUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      gateway.services.publicUrl = publicUrl;
      return publicUrl;
    },
    async close(closeOptions = {}) {
      await gateway.stop();
      if (server) {
        server.closeAllConnections();
        await new Promise((resolve) => server?.close(resolve));
      }
      await opened.close();
      if (!closeOptions.keepStandIn && !options.standIn) await standIn.close();
      if (!closeOptions.keepDatabase && !options.database) await database.drop();
      if (!closeOptions.keepMedia && !options.mediaDir) rmSync(mediaDir, { recursive: true, force: true });
    },
  };
  return harness;
}

export const GENERATION_FIELDS = `
  id status prompt imageUrl duration resolution seed seedSource cameraFixed idempotencyKey
  upstream upstreamBaseUrl upstreamMode modelSlug upstreamRequestBody upstreamRequestId upstreamSeed
  costUsd remainingCreditsUsd resultUrl upstreamOutputUrl videoSha256 videoBytes videoContentType
  errorCode errorMessage attempts createdAt submittedAt completedAt latencyMs
  events { sequence type at fromStatus toStatus method path httpStatus durationMs attempt errorCode message }
`;

export const GENERATE_VIDEO = `
  mutation Generate($input: GenerateVideoInput!) {
    generateVideo(input: $input) {
      __typename
      ... on GenerateVideoPayload { replayed generation { ${GENERATION_FIELDS} } }
      ... on Error { code message }
      ... on InvalidInputError { fields { field message } }
      ... on IdempotencyConflictError { idempotencyKey existingGenerationId }
    }
  }
`;

export const GENERATION_QUERY = `
  query One($id: ID!) { generation(id: $id) { ${GENERATION_FIELDS} } }
`;

export const VALID_INPUT = {
  prompt: "A paper boat drifts across a rain puddle at dawn",
  imageUrl: "https://images.example.com/first-frame.png",
  duration: 5,
  resolution: "SD_480P",
  seed: 4242,
};

/** The database id inside a Relay global id (`Generation:<uuid>`, base64). */
export function localId(globalId: string): string {
  const decoded = Buffer.from(globalId, "base64").toString();
  return decoded.slice(decoded.indexOf(":") + 1);
}
