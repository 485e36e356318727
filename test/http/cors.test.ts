import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config";
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

  it("reads CORS_ORIGINS as a list of bare origins and refuses wildcards and paths", () => {
    expect(loadConfig({}).CORS_ORIGINS).toEqual([]);
    expect(loadConfig({ CORS_ORIGINS: `${APP}, http://localhost:5173` }).CORS_ORIGINS).toEqual([APP, "http://localhost:5173"]);
    for (const bad of ["*", "https://*.example.com", `${APP}/path`, "app.example.com"]) {
      expect(() => loadConfig({ CORS_ORIGINS: bad }), bad).toThrow(/CORS_ORIGINS/);
    }
  });
});
