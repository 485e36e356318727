import { z } from "zod";
import { DEFAULT_PRICE_TABLE_TEXT, parsePriceTable } from "./budget/prices";
import { parseThresholds } from "./budget/thresholds";
import { DEFAULT_SSE_COALESCE_MS } from "./http/sse-coalescing";
import { DEFAULT_EVENT_CACHE_EVENTS } from "./generations/event-lists";
import type { MediaStoreSettings } from "./media/open-store";

/**
 * Every setting the gateway reads, parsed once at boot. A bad value stops the process with a
 * message naming the variable and showing the value (never a secret's), see `loadConfig`.
 * An empty value means "use the default", so `.env.example` copied as is gives the defaults.
 * Each one is documented in `.env.example`; a `.env` file is read by `readEnvironment`.
 */
const integer = (min: number, max: number, what = "a whole number") =>
  z
    .string()
    .trim()
    .regex(/^[+-]?\d+$/, { error: `is not ${what} (${min} to ${max})` })
    .transform(Number)
    .pipe(z.number().min(min, { error: `is below ${min} (${min} to ${max})` }).max(max, { error: `is above ${max} (${min} to ${max})` }));
const decimal = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^[+-]?(\d+\.?\d*|\.\d+)$/, { error: `is not a number (${min} to ${max})` })
    .transform(Number)
    .pipe(z.number().min(min, { error: `is below ${min}` }).max(max, { error: `is above ${max}` }));
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `is not one of ${values.join(", ")}` });
const httpUrl = () => z.url({ protocol: /^https?$/, error: "is not an http(s) URL" });
const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .optional();
/**
 * An optional on/off switch: true/1/yes/on or false/0/no/off (any case); blank means unset.
 * Not z.coerce.boolean, which reads "false" and "0" as true.
 */
const optionalFlag = optionalText.pipe(z.stringbool({ error: "is not true or false (also 1/0, yes/no, on/off)" }).optional());

// --- Media store: where result videos live (MEDIA_STORE=fs|s3), gathered by mediaStoreSettings.
const MEDIA_KEY_PREFIX = /^$|^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/;
const MEDIA_STORE_ENV = {
  MEDIA_STORE: oneOf(["fs", "s3"]).default("fs"),
  S3_BUCKET: optionalText.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{1,61}[A-Za-z0-9]$/, { error: "is not a bucket name (3-63 letters, digits, . _ -)" })
      .optional(),
  ),
  S3_PREFIX: optionalText.pipe(
    z
      .string()
      .transform((prefix) => prefix.replace(/^\/+|\/+$/g, ""))
      .pipe(z.string().regex(MEDIA_KEY_PREFIX, { error: "is not /-separated segments of letters, digits, . _ -" }))
      .optional(),
  ),
  S3_ENDPOINT: optionalText.pipe(
    httpUrl()
      .refine((url) => !/^[a-z]+:\/\/[^/]*@/i.test(url), {
        error: "holds credentials: use S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY",
      })
      .optional(),
  ),
  S3_REGION: optionalText,
  S3_FORCE_PATH_STYLE: optionalFlag,
  S3_ACCESS_KEY_ID: optionalText,
  S3_SECRET_ACCESS_KEY: optionalText,
  S3_MAX_SOCKETS: integer(1, 10_000).default(256),
};

type MediaStoreEnv = z.output<z.ZodObject<typeof MEDIA_STORE_ENV>> & { MEDIA_DIR: string };

function checkMediaStoreEnv(values: MediaStoreEnv, ctx: z.RefinementCtx): void {
  if (values.MEDIA_STORE === "s3" && values.S3_BUCKET === undefined) {
    ctx.addIssue({ code: "custom", path: ["S3_BUCKET"], message: "is required when MEDIA_STORE=s3", params: { quotesValue: true } });
  }
  if ((values.S3_ACCESS_KEY_ID === undefined) !== (values.S3_SECRET_ACCESS_KEY === undefined)) {
    const missing = values.S3_ACCESS_KEY_ID === undefined ? "S3_ACCESS_KEY_ID" : "S3_SECRET_ACCESS_KEY";
    ctx.addIssue({
      code: "custom",
      path: [missing],
      message: "is missing: set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither (the AWS SDK's own credential chain)",
      params: { quotesValue: true },
    });
  }
}

function mediaStoreSettings(values: MediaStoreEnv): MediaStoreSettings {
  if (values.MEDIA_STORE === "fs") return { kind: "fs", dir: values.MEDIA_DIR };
  const { S3_ACCESS_KEY_ID: accessKeyId, S3_SECRET_ACCESS_KEY: secretAccessKey } = values;
  return {
    kind: "s3",
    bucket: values.S3_BUCKET as string, // checkMediaStoreEnv
    prefix: values.S3_PREFIX ? `${values.S3_PREFIX}/` : "",
    ...(values.S3_ENDPOINT ? { endpoint: values.S3_ENDPOINT } : {}),
    ...(values.S3_REGION ? { region: values.S3_REGION } : {}),
    forcePathStyle: values.S3_FORCE_PATH_STYLE ?? false,
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
    maxSockets: values.S3_MAX_SOCKETS,
  };
}

// --- Traces: OpenTelemetry's own variables (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/).
const OTLP_PROTOCOL = oneOf(["http/protobuf", "http/json"]).optional();
const TRACING_ENV = {
  OTEL_SDK_DISABLED: optionalFlag,
  OTEL_TRACES_EXPORTER: z
    .string()
    .transform((text) => text.split(",").map((name) => name.trim()).filter(Boolean))
    .pipe(z.array(oneOf(["otlp", "console", "none"])))
    .optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl().optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: httpUrl().optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: OTLP_PROTOCOL,
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: OTLP_PROTOCOL,
  OTEL_EXPORTER_OTLP_HEADERS: optionalText,
  OTEL_SERVICE_NAME: optionalText,
};

/** What tracing-start.ts needs; null when tracing is off (the default). */
export interface TracingSettings {
  exporters: ("otlp" | "console")[];
  protocol: "http/protobuf" | "http/json";
  /** Where OTLP spans go (for the start-up log line); the exporter reads the variables itself. */
  endpoint: string;
  serviceName: string;
}

/**
 * Off unless asked: OTEL_TRACES_EXPORTER names an exporter, or an OTLP endpoint is set (then
 * otlp). OTEL_SDK_DISABLED=true, or OTEL_TRACES_EXPORTER=none, turns it off whatever else is set.
 */
function tracingSettings(values: z.output<z.ZodObject<typeof TRACING_ENV>>): TracingSettings | null {
  if (values.OTEL_SDK_DISABLED) return null;
  const named = values.OTEL_TRACES_EXPORTER;
  const endpointSet = values.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined || values.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined;
  const exporters = named === undefined ? (endpointSet ? ["otlp" as const] : []) : named.includes("none") ? [] : named;
  if (exporters.length === 0) return null;
  const endpoint =
    values.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
    `${(values.OTEL_EXPORTER_OTLP_ENDPOINT ?? "http://localhost:4318").replace(/\/+$/, "")}/v1/traces`;
  return {
    exporters: [...new Set(exporters as ("otlp" | "console")[])],
    protocol: values.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? values.OTEL_EXPORTER_OTLP_PROTOCOL ?? "http/protobuf",
    endpoint,
    serviceName: values.OTEL_SERVICE_NAME ?? "seedance-gateway",
  };
}

const EnvSchema = z.object({
  NODE_ENV: oneOf(["development", "production", "test"]).default("development"),
  HOST: z.string().trim().min(1).default("127.0.0.1"),
  PORT: integer(0, 65535, "a port number").default(4000),
  PUBLIC_URL: httpUrl().optional(),
  DATABASE_URL: z
    .string()
    .trim()
    .default("file:./data/gateway.db")
    .refine((url) => /^(file:|postgres(ql)?:\/\/)/.test(url), {
      error: "does not start with file: (SQLite) or postgresql:// (PostgreSQL)",
    }),
  DATABASE_POOL_SIZE: integer(1, 1_000).default(10),
  MEDIA_DIR: z.string().trim().min(1).default("./data/media"),
  SEGMIND_API_KEY: optionalText,
  SEGMIND_BASE_URL: httpUrl().default("https://api.segmind.com"),
  SEGMIND_MODE: oneOf(["v2", "v1"]).default("v2"),
  SEGMIND_TIMEOUT_MS: integer(100, 600_000).default(30_000),
  SEGMIND_SYNC_TIMEOUT_MS: integer(1_000, 1_800_000).default(180_000),
  SEGMIND_DOWNLOAD_IDLE_TIMEOUT_MS: integer(100, 3_600_000).default(60_000),
  SEGMIND_POLL_INTERVAL_MS: integer(50, 600_000).optional(),
  SEGMIND_POLL_FAST_MS: integer(0, 600_000).optional(),
  SEGMIND_POLL_DEADLINE_MS: integer(1_000, 86_400_000).default(900_000),
  SUBMIT_MAX_ATTEMPTS: integer(1, 20).default(5),
  SEGMIND_MAX_RPM: integer(0, 100_000).optional(),
  SHUTDOWN_GRACE_MS: integer(0, 600_000).default(10_000),
  WORKER_CONCURRENCY: integer(1, 10_000).default(64),
  WORKER_RECONCILE_INTERVAL_MS: integer(1_000, 3_600_000).default(15_000),
  FIRST_FRAME_FINGERPRINT: optionalFlag,
  SEGMIND_MAX_IN_FLIGHT: integer(0, 1_000_000).default(0),
  SEGMIND_RPM_SCOPE: oneOf(["all", "submits"]).default("all"),
  SEGMIND_BREAKER_MIN_SUBMITS: integer(1, 10_000).default(5),
  SEGMIND_BREAKER_ERROR_PERCENT: integer(1, 99).default(50),
  SEGMIND_BREAKER_WINDOW_MS: integer(1_000, 3_600_000).default(30_000),
  SEGMIND_BREAKER_PROBE_AFTER_MS: integer(100, 3_600_000).default(10_000),
  UPSTREAM_OUTAGE_MAX_WAIT_MS: integer(1_000, 604_800_000).default(1_800_000),
  REDIS_URL: optionalText.pipe(z.url({ protocol: /^rediss?$/, error: "is not a redis:// or rediss:// URL" }).optional()),
  REDIS_PREFIX: z.string().trim().regex(/^[A-Za-z0-9_.-]{1,64}$/, { message: "must be 1-64 letters, digits, _ . or -" }).default("sgw"),
  QUEUE_LOCK_DURATION_MS: integer(1_000, 600_000).default(30_000),
  MAX_SUBSCRIPTIONS_PER_KEY: integer(0, 100_000).default(25),
  MAX_SUBSCRIPTIONS_PER_ADDRESS: integer(0, 100_000).default(50),
  SSE_COALESCE_MS: integer(0, 1_000).default(DEFAULT_SSE_COALESCE_MS),
  EVENT_CACHE_EVENTS: integer(0, 10_000_000).default(DEFAULT_EVENT_CACHE_EVENTS),
  CREDITS_CACHE_TTL_MS: integer(0, 3_600_000).default(30_000),
  CREDITS_READ_BUDGET_MS: integer(0, 600_000).default(2_000),
  SANDBOX_JOB_DURATION_MS: integer(0, 600_000).default(3_000),
  SANDBOX_BALANCE_USD: decimal(0, 1_000_000).default(10),
  PRICE_TABLE_USD: z
    .string()
    .default(DEFAULT_PRICE_TABLE_TEXT)
    .transform((text, ctx) => {
      try {
        return parsePriceTable(text);
      } catch (error) {
        // The message quotes the entry at fault: shown alone, not after the whole table.
        ctx.addIssue({ code: "custom", message: (error as Error).message, params: { quotesValue: true } });
        return z.NEVER;
      }
    }),
  LOG_LEVEL: oneOf(["debug", "info", "warn", "error", "silent"]).default("info"),
  GRAPHQL_INTROSPECTION: optionalFlag,
  GRAPHIQL_ENABLED: optionalFlag,
  ALLOW_ANONYMOUS: optionalFlag,
  AUTH_KEY_CACHE_TTL_MS: integer(0, 60_000).default(2_000),
  MAX_REQUEST_BYTES: integer(1_024, 104_857_600).default(1_048_576),
  MAX_QUERY_DEPTH: integer(2, 1_000).default(16),
  MAX_QUERY_ALIASES: integer(0, 10_000).default(15),
  MAX_QUERY_COST: integer(100, 100_000_000).default(50_000),
  MAX_QUERY_TOKENS: integer(100, 1_000_000).default(1_000),
  MAX_QUERY_DIRECTIVES: integer(0, 10_000).default(20),
  METRICS_TOKEN: optionalText.pipe(z.string().min(16, { error: "is shorter than 16 characters" }).optional()),
  WEBHOOK_SECRET_KEY: optionalText.pipe(
    z
      .string()
      .regex(/^([0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)$/, { error: "is not a 32-byte key in base64 (44 characters) or hex (64)" })
      .optional(),
  ),
  WEBHOOK_SECRET_KEY_FILE: z.string().trim().min(1).default("./data/webhook-secret.key"),
  WEBHOOK_ALLOW_PRIVATE_TARGETS: optionalFlag,
  WEBHOOK_TIMEOUT_MS: integer(100, 120_000).default(10_000),
  WEBHOOK_CONCURRENCY: integer(1, 10_000).default(16),
  WEBHOOK_BUDGET_THRESHOLDS: z
    .string()
    .default("80,100")
    .transform((text, ctx) => {
      const thresholds = parseThresholds(text);
      if (thresholds === null) {
        ctx.addIssue({ code: "custom", message: 'is not a comma-separated list of percentages from 1 to 1000 (e.g. "80,100"), or "none"' });
        return z.NEVER;
      }
      return thresholds;
    }),
  WEBHOOK_CREDITS_LOW_USD: optionalText.pipe(decimal(0, 1_000_000).optional()),
  CORS_ORIGINS: z
    .string()
    .default("")
    .transform((text) => text.split(",").map((origin) => origin.trim()).filter(Boolean))
    .pipe(
      z.array(
        z.string().regex(/^https?:\/\/[^/\s*]+$/, {
          error: "is not an origin like https://app.example.com (comma-separated; no path, no *)",
        }),
      ),
    ),
  ...MEDIA_STORE_ENV,
  ...TRACING_ENV,
}).superRefine(checkMediaStoreEnv);

export type Env = z.infer<typeof EnvSchema>;

/** Every variable the gateway reads (a test checks each one is documented in .env.example). */
export const CONFIG_VARIABLES = Object.keys(EnvSchema.shape);

export interface Config extends Env {
  /** GRAPHQL_INTROSPECTION, defaulted: on unless NODE_ENV=production. */
  GRAPHQL_INTROSPECTION: boolean;
  /** GRAPHIQL_ENABLED, defaulted: on unless NODE_ENV=production. */
  GRAPHIQL_ENABLED: boolean;
  /** ALLOW_ANONYMOUS, defaulted: on in sandbox mode only. */
  ALLOW_ANONYMOUS: boolean;
  /** Sandbox mode: no Segmind key, so the built-in stand-in serves generations. */
  sandbox: boolean;
  publicUrl: string;
  pollIntervalMs: number;
  /** SEGMIND_POLL_FAST_MS, defaulted: a fifth of the poll interval. */
  pollFastMs: number;
  /** SEGMIND_MAX_RPM, defaulted: 5 (Segmind's free plan) against Segmind, no cap in sandbox mode. */
  maxRequestsPerMinute: number;
  /** MEDIA_STORE and its S3_* variables, checked and gathered. */
  mediaStore: MediaStoreSettings;
  /** The OTEL_* variables: null (the default) when traces are off. */
  tracing: TracingSettings | null;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Variables whose values are never shown, in an error or anywhere else. */
const SECRET_VARIABLES: ReadonlySet<string> = new Set([
  "SEGMIND_API_KEY",
  "S3_ACCESS_KEY_ID",
  "S3_SECRET_ACCESS_KEY",
  "METRICS_TOKEN",
  "WEBHOOK_SECRET_KEY",
  "OTEL_EXPORTER_OTLP_HEADERS",
]);

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty means unset, for every variable: the default applies.
  const given = Object.fromEntries(
    Object.entries(env).filter(([name, value]) => name in EnvSchema.shape && value !== undefined && value.trim() !== ""),
  );
  const parsed = EnvSchema.safeParse(given, { reportInput: true });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const variable = String(issue.path[0] ?? "(environment)");
      // An item of a list (CORS_ORIGINS) is shown alone; otherwise the value as it was given.
      const value = issue.path.length > 1 ? issue.input : given[variable];
      const quotesValue = issue.code === "custom" && issue.params?.quotesValue === true;
      return `  ${variable}: ${quotesValue ? "" : `${shownValue(variable, value)} `}${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n${problems.join("\n")}`);
  }
  const values = parsed.data;
  const sandbox = values.SEGMIND_API_KEY === undefined;
  return {
    ...values,
    sandbox,
    publicUrl: (values.PUBLIC_URL ?? `http://localhost:${values.PORT}`).replace(/\/+$/, ""),
    // Sandbox jobs take seconds; real Seedance jobs ~40 s, so poll real ones less often.
    pollIntervalMs: values.SEGMIND_POLL_INTERVAL_MS ?? (sandbox ? 500 : 5_000),
    // Around a job's likely end: 100 ms in sandbox mode, 1 s against Segmind (poll-timing.ts).
    pollFastMs: values.SEGMIND_POLL_FAST_MS ?? Math.round((values.SEGMIND_POLL_INTERVAL_MS ?? (sandbox ? 500 : 5_000)) / 5),
    // The lowest documented plan's limit is safe on every plan (Pro accounts set 50); the
    // sandbox has no limit unless a test sets one.
    maxRequestsPerMinute: values.SEGMIND_MAX_RPM ?? (sandbox ? 0 : 5),
    // Development and sandbox conveniences that map the API for anyone: off in production.
    GRAPHQL_INTROSPECTION: values.GRAPHQL_INTROSPECTION ?? values.NODE_ENV !== "production",
    GRAPHIQL_ENABLED: values.GRAPHIQL_ENABLED ?? values.NODE_ENV !== "production",
    // A first try needs no key; a gateway spending real credits does, unless said otherwise.
    ALLOW_ANONYMOUS: values.ALLOW_ANONYMOUS ?? sandbox,
    mediaStore: mediaStoreSettings(values),
    tracing: tracingSettings(values),
  };
}

/**
 * How a bad value is quoted in an error: secrets not at all, a database URL by its scheme only
 * (the rest may hold a password), any other URL without its credentials.
 */
function shownValue(variable: string, value: unknown): string {
  if (SECRET_VARIABLES.has(variable)) return "(value hidden)";
  if (typeof value !== "string") return JSON.stringify(value) ?? String(value);
  if (variable === "DATABASE_URL") {
    const scheme = /^[a-z][a-z0-9+.-]*:(\/\/)?/i.exec(value)?.[0];
    return scheme ? JSON.stringify(`${scheme}…`) : "(not a URL)";
  }
  const shown = value.replace(/\/\/[^/@\s]*@/, "//…@");
  return JSON.stringify(shown.length > 120 ? `${shown.slice(0, 120)}…` : shown);
}
