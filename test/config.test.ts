import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CONFIG_VARIABLES, ConfigError, loadConfig } from "../src/config";

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

  it("never echoes a value in its error message (values may be secrets)", () => {
    const secretLookingValue = "postgres-is-not-this://SG_secret_value_123";
    try {
      loadConfig({ DATABASE_URL: secretLookingValue });
      expect.unreachable();
    } catch (error) {
      expect(String(error)).not.toContain("SG_secret_value_123");
    }
  });

  it("documents every variable it reads in .env.example", () => {
    const example = readFileSync(new URL("../.env.example", import.meta.url), "utf8");
    const documented = new Set([...example.matchAll(/^([A-Z_]+)=/gm)].map((match) => match[1]));
    expect(CONFIG_VARIABLES.filter((name) => !documented.has(name))).toEqual([]);
    expect([...documented].filter((name) => !CONFIG_VARIABLES.includes(name as string))).toEqual([]);
  });
});
