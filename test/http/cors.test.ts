import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config";
import { createLogger } from "../../src/logger";
import { databaseTargets } from "../support/databases";
import { type Harness, startHarness } from "../support/harness";

const sqlite = databaseTargets().find((target) => target.provider === "sqlite")!;
const APP = "https://app.example.com";
const EVIL = "https://evil.example.net";

describe("CORS", () => {
  let harness: Harness | undefined;
  afterEach(() => harness?.close());

  const preflight = (baseUrl: string, origin: string) =>
    fetch(`${baseUrl}/graphql`, {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
    });
  const post = (baseUrl: string, origin: string) =>
    fetch(`${baseUrl}/graphql`, {
      method: "POST",
      headers: { origin, "content-type": "application/json" },
      body: JSON.stringify({ query: "{ __typename }" }),
    });

  it("answers no other website by default: a visitor's browser cannot be made to spend credits", async () => {
    harness = await startHarness(sqlite, { start: false });
    const baseUrl = await harness.listen();
    for (const response of [await preflight(baseUrl, EVIL), await post(baseUrl, EVIL)]) {
      expect(response.headers.get("access-control-allow-origin")).toBeNull();
      expect(response.headers.get("access-control-allow-credentials")).toBeNull();
    }
  });

  it("allows exactly the configured origins, without credentials", async () => {
    harness = await startHarness(sqlite, { start: false, corsOrigins: [APP, "http://localhost:5173"] });
    const baseUrl = await harness.listen();
    const allowed = await preflight(baseUrl, APP);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(APP);
    expect(allowed.headers.get("access-control-allow-headers")).toContain("authorization");
    expect(allowed.headers.get("access-control-allow-credentials")).toBeNull();
    expect((await post(baseUrl, APP)).headers.get("access-control-expose-headers")).toContain("x-request-id");
    const refused = await preflight(baseUrl, EVIL);
    expect([null, "null"]).toContain(refused.headers.get("access-control-allow-origin"));
  });

  it("tells a refused page what to change: 403 naming CORS_ORIGINS, and a log line", async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: "info", write: (line) => lines.push(line) });
    const DEV = "http://localhost:5173";
    harness = await startHarness(sqlite, { start: false, logger });
    const baseUrl = await harness.listen();
    for (const response of [await preflight(baseUrl, DEV), await post(baseUrl, DEV)]) {
      expect(response.status).toBe(403);
      expect(response.headers.get("access-control-allow-origin")).toBeNull();
      const body = (await response.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
      expect(body.errors[0]?.extensions.code).toBe("CORS_ORIGIN_NOT_ALLOWED");
      expect(body.errors[0]?.message).toContain(`CORS_ORIGINS=${DEV}`);
      expect(body.errors[0]?.message).not.toMatch(/only supports GET and POST/);
    }
    const refusals = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.origin === DEV);
    // One line per origin per minute, however many requests it sends.
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ level: "warn", method: "OPTIONS", path: "/graphql" });
    expect(String(refusals[0]?.message)).toContain("CORS_ORIGINS");

    // The same refusal for an unlisted origin when others are listed (yoga's CORS answers those).
    await harness.close();
    harness = await startHarness(sqlite, { start: false, logger, corsOrigins: [APP] });
    const listed = await harness.listen();
    const refused = await preflight(listed, DEV);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("CORS_ORIGINS");
    expect((await preflight(listed, APP)).status).toBe(204);
    // Same-origin pages and clients without an Origin header are not affected.
    expect((await post(listed, new URL(listed).origin)).status).toBe(200);
    const noOrigin = await fetch(`${listed}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ __typename }" }),
    });
    expect(noOrigin.status).toBe(200);
  });

  it("reads CORS_ORIGINS as a list of bare origins and refuses wildcards and paths", () => {
    expect(loadConfig({}).CORS_ORIGINS).toEqual([]);
    expect(loadConfig({ CORS_ORIGINS: `${APP}, http://localhost:5173` }).CORS_ORIGINS).toEqual([APP, "http://localhost:5173"]);
    for (const bad of ["*", "https://*.example.com", `${APP}/path`, "app.example.com"]) {
      expect(() => loadConfig({ CORS_ORIGINS: bad }), bad).toThrow(/CORS_ORIGINS/);
    }
  });
});
