import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEnv } from "node:util";
import { describe, expect, it } from "vitest";
import { CONFIG_VARIABLES, ConfigError, loadConfig } from "../src/config";
import { readEnvironment } from "../src/env-file";

const EXAMPLE = readFileSync(new URL("../.env.example", import.meta.url), "utf8");

function configError(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`no error for ${JSON.stringify(env)}`);
}

describe("configuration", () => {
  it("runs in sandbox mode on embedded SQLite with no variables at all", () => {
    const config = loadConfig({});
    expect(config.sandbox).toBe(true);
    expect(config.DATABASE_URL).toBe("file:./data/gateway.db");
    expect(config.PORT).toBe(4000);
    expect(config.publicUrl).toBe("http://localhost:4000");
    expect(config.SEGMIND_BASE_URL).toBe("https://api.segmind.com");
    expect(config.pollIntervalMs).toBe(500);
  });

  it("leaves sandbox mode when a Segmind key is set, and treats a blank key as none", () => {
    expect(loadConfig({ SEGMIND_API_KEY: "SG_0123456789abcdef" }).sandbox).toBe(false);
    expect(loadConfig({ SEGMIND_API_KEY: "SG_0123456789abcdef" }).pollIntervalMs).toBe(5_000);
    expect(loadConfig({ SEGMIND_API_KEY: "  " }).sandbox).toBe(true);
  });

  it("reads the webhook alert settings: thresholds as sorted percentages (none: off), a low-balance threshold or none", () => {
    expect(loadConfig({}).WEBHOOK_BUDGET_THRESHOLDS).toEqual([80, 100]);
    expect(loadConfig({ WEBHOOK_BUDGET_THRESHOLDS: "100, 50%,90" }).WEBHOOK_BUDGET_THRESHOLDS).toEqual([50, 90, 100]);
    expect(loadConfig({ WEBHOOK_BUDGET_THRESHOLDS: "none" }).WEBHOOK_BUDGET_THRESHOLDS).toEqual([]);
    expect(loadConfig({}).WEBHOOK_CREDITS_LOW_USD).toBeUndefined();
    expect(loadConfig({ WEBHOOK_CREDITS_LOW_USD: "2.5" }).WEBHOOK_CREDITS_LOW_USD).toBe(2.5);
  });

  it.each([
    ["PORT", "eighty"],
    ["PORT", "70000"],
    ["DATABASE_URL", "mysql://localhost/db"],
    ["SEGMIND_BASE_URL", "ftp://segmind"],
    ["SEGMIND_MODE", "v3"],
    ["WORKER_CONCURRENCY", "0"],
    ["PUBLIC_URL", "not a url"],
    ["LOG_LEVEL", "loud"],
  ])("rejects %s=%s with a message naming the variable", (variable, value) => {
    expect(() => loadConfig({ [variable]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [variable]: value })).toThrow(new RegExp(`\\b${variable}\\b`));
  });

  it.each([
    [{ PORT: "abc" }, 'PORT: "abc" is not a port number (0 to 65535)'],
    [{ PORT: "70000" }, 'PORT: "70000" is above 65535'],
    [{ SEGMIND_POLL_INTERVAL_MS: "10" }, 'SEGMIND_POLL_INTERVAL_MS: "10" is below 50'],
    [{ WORKER_CONCURRENCY: "2.5" }, 'WORKER_CONCURRENCY: "2.5" is not a whole number (1 to 10000)'],
    [{ SANDBOX_BALANCE_USD: "ten" }, 'SANDBOX_BALANCE_USD: "ten" is not a number'],
    [{ SEGMIND_MODE: "v3" }, 'SEGMIND_MODE: "v3" is not one of v2, v1'],
    [{ GRAPHIQL_ENABLED: "maybe" }, 'GRAPHIQL_ENABLED: "maybe" is not true or false'],
    [{ FIRST_FRAME_FINGERPRINT: "maybe" }, 'FIRST_FRAME_FINGERPRINT: "maybe" is not true or false'],
    [{ PUBLIC_URL: "not a url" }, 'PUBLIC_URL: "not a url" is not an http(s) URL'],
    [{ CORS_ORIGINS: "https://app.example.com, https://*.example.com" }, 'CORS_ORIGINS: "https://*.example.com" is not an origin'],
    [{ PRICE_TABLE_USD: "480p:5=free" }, "PRICE_TABLE_USD: "],
    [{ WEBHOOK_BUDGET_THRESHOLDS: "80,lots" }, 'WEBHOOK_BUDGET_THRESHOLDS: "80,lots" is not a comma-separated list of percentages'],
    [{ WEBHOOK_BUDGET_THRESHOLDS: "0" }, 'WEBHOOK_BUDGET_THRESHOLDS: "0" is not a comma-separated list of percentages from 1 to 1000'],
    [{ WEBHOOK_CREDITS_LOW_USD: "low" }, 'WEBHOOK_CREDITS_LOW_USD: "low" is not a number'],
  ])("names the variable and shows the offending value, in words rather than zod's: %j", (env, expected) => {
    const message = configError(env);
    expect(message).toContain(expected);
    // Not zod's internals: paths like CORS_ORIGINS.0, "received NaN", "Invalid input".
    expect(message).not.toMatch(/[A-Z_]\.\d|NaN|Invalid input|expected|received/);
  });

  it("says every variable's bad value in words, never zod's, whichever variable it is", () => {
    let refused = 0;
    for (const name of CONFIG_VARIABLES) {
      for (const value of ["%%% not valid %%%", "-1", "ftp://x", "2.5"]) {
        let message: string;
        try {
          loadConfig({ [name]: value });
          continue;
        } catch (error) {
          message = (error as Error).message;
        }
        refused += 1;
        // This variable, or the one it needs alongside (S3_ACCESS_KEY_ID without S3_SECRET_ACCESS_KEY).
        expect(message, `${name}=${value}`).toMatch(/^Invalid configuration:\n {2}[A-Z][A-Z0-9_]+: /);
        expect(message, `${name}=${value}`).toMatch(new RegExp(`\\b${name.replace(/_(ID|KEY)$/, "")}`));
        expect(message, `${name}=${value}`).not.toMatch(/[A-Z_]\.\d|NaN|Invalid (input|option|URL)|expected|received|Too (small|big)/);
      }
    }
    expect(refused).toBeGreaterThan(CONFIG_VARIABLES.length);
  });

  it("lists every bad variable at once", () => {
    const message = configError({ PORT: "x", LOG_LEVEL: "loud" });
    expect(message).toContain('PORT: "x"');
    expect(message).toContain('LOG_LEVEL: "loud"');
  });

  it("never shows what may hide a password: only the scheme of a bad DATABASE_URL, no credentials of other URLs", () => {
    const database = configError({ DATABASE_URL: "mysql://admin:hunter2@db.internal/gateway" });
    expect(database).toContain('DATABASE_URL: "mysql://…" does not start with file: (SQLite) or postgresql://');
    expect(database).not.toContain("hunter2");
    expect(database).not.toContain("db.internal");
    const other = configError({ SEGMIND_BASE_URL: "ftp://user:hunter2@segmind.example" });
    expect(other).toContain("SEGMIND_BASE_URL");
    expect(other).not.toContain("hunter2");
    const token = configError({ METRICS_TOKEN: "short-secret" });
    expect(token).toContain("METRICS_TOKEN: (value hidden) is shorter than 16 characters");
    expect(token).not.toContain("short-secret");
    const secretLookingValue = "postgres-is-not-this://SG_secret_value_123";
    expect(configError({ DATABASE_URL: secretLookingValue })).not.toContain("SG_secret_value_123");
  });

  it("reads an empty value as unset, for every variable: the default applies", () => {
    const defaults = loadConfig({});
    for (const name of CONFIG_VARIABLES) {
      expect(loadConfig({ [name]: "" }), name).toEqual(defaults);
      expect(loadConfig({ [name]: "   " }), name).toEqual(defaults);
    }
  });

  it(".env.example, copied as is, gives exactly the documented defaults", () => {
    const fromExample = parseEnv(EXAMPLE) as Record<string, string>;
    // It sets every variable (most of them empty); none of them changes a default.
    expect(Object.keys(fromExample).sort()).toEqual([...CONFIG_VARIABLES].sort());
    expect(loadConfig(fromExample)).toEqual(loadConfig({}));
  });

  it("reads .env from the working directory; a non-empty environment variable wins over it", () => {
    const dir = mkdtempSync(join(tmpdir(), "sg-dotenv-"));
    try {
      expect(readEnvironment({ PORT: "1" }, dir)).toEqual({ env: { PORT: "1" }, file: null });
      writeFileSync(
        join(dir, ".env"),
        ["# comment", "PORT=4100", "LOG_LEVEL=debug", 'PUBLIC_URL="https://gateway.example"', "WORKER_CONCURRENCY=", ""].join("\n"),
      );
      const { env, file } = readEnvironment({ PORT: "4200", LOG_LEVEL: "", HOME: "/root" }, dir);
      expect(file).toBe(join(dir, ".env"));
      expect(env).toMatchObject({ PORT: "4200", LOG_LEVEL: "debug", PUBLIC_URL: "https://gateway.example", HOME: "/root" });
      const config = loadConfig(env);
      expect(config).toMatchObject({ PORT: 4200, LOG_LEVEL: "debug", publicUrl: "https://gateway.example", WORKER_CONCURRENCY: 64 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("documents every variable it reads in .env.example", () => {
    const documented = new Set([...EXAMPLE.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]));
    expect(CONFIG_VARIABLES.filter((name) => !documented.has(name))).toEqual([]);
    expect([...documented].filter((name) => !CONFIG_VARIABLES.includes(name as string))).toEqual([]);
  });

  describe("media store (MEDIA_STORE and S3_*)", () => {
    const S3 = { MEDIA_STORE: "s3", S3_BUCKET: "videos" };

    it("defaults to the directory store in MEDIA_DIR", () => {
      expect(loadConfig({}).mediaStore).toEqual({ kind: "fs", dir: "./data/media" });
      expect(loadConfig({ MEDIA_DIR: "/srv/media", S3_BUCKET: "ignored" }).mediaStore).toEqual({ kind: "fs", dir: "/srv/media" });
    });

    it("gathers the S3 settings, normalising the prefix to end in one slash", () => {
      expect(
        loadConfig({
          ...S3,
          S3_PREFIX: "/gateway/media/",
          S3_ENDPOINT: "http://127.0.0.1:9000",
          S3_REGION: "auto",
          S3_FORCE_PATH_STYLE: "true",
          S3_ACCESS_KEY_ID: "AKIAEXAMPLE",
          S3_SECRET_ACCESS_KEY: "s3cr3t",
          S3_MAX_SOCKETS: "64",
        }).mediaStore,
      ).toEqual({
        kind: "s3",
        bucket: "videos",
        prefix: "gateway/media/",
        endpoint: "http://127.0.0.1:9000",
        region: "auto",
        forcePathStyle: true,
        credentials: { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "s3cr3t" },
        maxSockets: 64,
      });
      // Nothing but the bucket: AWS S3, the SDK's region and credential chains, no prefix.
      expect(loadConfig(S3).mediaStore).toEqual({ kind: "s3", bucket: "videos", prefix: "", forcePathStyle: false, maxSockets: 256 });
    });

    it.each([
      [{ MEDIA_STORE: "s3" }, "S3_BUCKET"],
      [{ MEDIA_STORE: "azure" }, "MEDIA_STORE"],
      [{ ...S3, S3_BUCKET: "a/b" }, "S3_BUCKET"],
      [{ ...S3, S3_PREFIX: "a/../b" }, "S3_PREFIX"],
      [{ ...S3, S3_PREFIX: "a//b" }, "S3_PREFIX"],
      [{ ...S3, S3_ENDPOINT: "minio:9000" }, "S3_ENDPOINT"],
      [{ ...S3, S3_FORCE_PATH_STYLE: "maybe" }, "S3_FORCE_PATH_STYLE"],
      [{ ...S3, S3_ACCESS_KEY_ID: "AKIAEXAMPLE" }, "S3_SECRET_ACCESS_KEY"],
      [{ ...S3, S3_SECRET_ACCESS_KEY: "s3cr3t" }, "S3_ACCESS_KEY_ID"],
      [{ ...S3, S3_MAX_SOCKETS: "0" }, "S3_MAX_SOCKETS"],
    ])("rejects %j naming %s", (env, variable) => {
      expect(() => loadConfig(env)).toThrow(new RegExp(`\\b${variable}\\b`));
    });

    it("never echoes credentials, not even ones put in the endpoint URL", () => {
      const attempts = [
        { ...S3, S3_SECRET_ACCESS_KEY: "wJalrXUtnFEMI-secret" },
        { ...S3, S3_ENDPOINT: "http://minio:wJalrXUtnFEMI-secret@127.0.0.1:9000" },
      ];
      for (const env of attempts) {
        let message = "";
        try {
          loadConfig(env);
        } catch (error) {
          message = String(error);
        }
        expect(message).toMatch(/S3_/);
        expect(message).not.toContain("wJalrXUtnFEMI-secret");
      }
    });
  });
});
