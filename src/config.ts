import { z } from "zod";

/**
 * Every setting the gateway reads, parsed once at boot. A bad value stops the process with a
 * message naming the variable (see `loadConfig`). Each one is documented in `.env.example`.
 */
const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .optional();

const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  HOST: z.string().trim().min(1).default("127.0.0.1"),
  PORT: integer(0, 65535).default(4000),
  PUBLIC_URL: optionalText.pipe(z.url({ protocol: /^https?$/ }).optional()),
  DATABASE_URL: z
    .string()
    .trim()
    .default("file:./data/gateway.db")
    .refine((url) => /^(file:|postgres(ql)?:\/\/)/.test(url), {
      message: "must start with file: (SQLite) or postgresql:// (PostgreSQL)",
    }),
  MEDIA_DIR: z.string().trim().min(1).default("./data/media"),
  SEGMIND_API_KEY: optionalText,
  SEGMIND_BASE_URL: z.url({ protocol: /^https?$/ }).default("https://api.segmind.com"),
  SEGMIND_MODE: z.enum(["v2", "v1"]).default("v2"),
  SEGMIND_TIMEOUT_MS: integer(100, 600_000).default(30_000),
  SEGMIND_SYNC_TIMEOUT_MS: integer(1_000, 1_800_000).default(180_000),
  SEGMIND_POLL_INTERVAL_MS: integer(50, 600_000).optional(),
  SEGMIND_POLL_DEADLINE_MS: integer(1_000, 86_400_000).default(900_000),
  SUBMIT_MAX_ATTEMPTS: integer(1, 20).default(5),
  WORKER_CONCURRENCY: integer(1, 256).default(4),
  CREDITS_CACHE_TTL_MS: integer(0, 3_600_000).default(30_000),
  SANDBOX_JOB_DURATION_MS: integer(0, 600_000).default(3_000),
  SANDBOX_BALANCE_USD: z.coerce.number().min(0).max(1_000_000).default(10),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
});

export type Env = z.infer<typeof EnvSchema>;

/** Every variable the gateway reads (a test checks each one is documented in .env.example). */
export const CONFIG_VARIABLES = Object.keys(EnvSchema.shape);

export interface Config extends Env {
  /** Sandbox mode: no Segmind key, so the built-in stand-in serves generations. */
  sandbox: boolean;
  publicUrl: string;
  pollIntervalMs: number;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const variable = issue.path.join(".") || "(environment)";
      // Never echo the value: it may be a secret.
      return `  ${variable}: ${issue.message}`;
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
  };
}
