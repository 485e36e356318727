import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config";
import { DEFAULT_QUERY_LIMITS } from "../../src/http/armor";
import { DEFAULT_MAX_REQUEST_BYTES } from "../../src/http/request-body";
import { type GatewayDirs, makeGatewayDirs, startGateway, stopAllGateways } from "../support/process";

describe("hardening settings", () => {
  it("default: introspection and GraphiQL on (development, sandbox), limits as documented", () => {
    const config = loadConfig({});
    expect(config.GRAPHQL_INTROSPECTION).toBe(true);
    expect(config.GRAPHIQL_ENABLED).toBe(true);
    expect(config.MAX_REQUEST_BYTES).toBe(DEFAULT_MAX_REQUEST_BYTES);
    expect({
      maxDepth: config.MAX_QUERY_DEPTH,
      maxAliases: config.MAX_QUERY_ALIASES,
      maxCost: config.MAX_QUERY_COST,
      maxTokens: config.MAX_QUERY_TOKENS,
      maxDirectives: config.MAX_QUERY_DIRECTIVES,
    }).toEqual(DEFAULT_QUERY_LIMITS);
  });

  it("NODE_ENV=production turns both off unless asked for", () => {
    expect(loadConfig({ NODE_ENV: "production" })).toMatchObject({ GRAPHQL_INTROSPECTION: false, GRAPHIQL_ENABLED: false });
    expect(loadConfig({ NODE_ENV: "production", GRAPHQL_INTROSPECTION: "true", GRAPHIQL_ENABLED: "1" })).toMatchObject({
      GRAPHQL_INTROSPECTION: true,
      GRAPHIQL_ENABLED: true,
    });
  });

  it.each([
    ["false", false],
    ["0", false],
    ["off", false],
    ["no", false],
    ["FALSE", false],
    [" false ", false],
    ["true", true],
    ["1", true],
    ["on", true],
    ["yes", true],
    ["", true], // blank: unset, so the default
  ])("reads %j as %s (not z.coerce.boolean, for which \"false\" is true)", (value, expected) => {
    expect(loadConfig({ GRAPHQL_INTROSPECTION: value }).GRAPHQL_INTROSPECTION).toBe(expected);
    expect(loadConfig({ GRAPHIQL_ENABLED: value }).GRAPHIQL_ENABLED).toBe(expected);
  });

  it.each([
    ["GRAPHQL_INTROSPECTION", "maybe"],
    ["GRAPHIQL_ENABLED", "2"],
    ["MAX_REQUEST_BYTES", "10"],
    ["MAX_REQUEST_BYTES", "1mb"],
    ["MAX_QUERY_DEPTH", "0"],
    ["MAX_QUERY_ALIASES", "-1"],
    ["MAX_QUERY_COST", "ten"],
    ["MAX_QUERY_TOKENS", "5"],
    ["MAX_QUERY_DIRECTIVES", "1.5"],
  ])("rejects %s=%s, naming the variable", (variable, value) => {
    expect(() => loadConfig({ [variable]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [variable]: value })).toThrow(new RegExp(`\\b${variable}\\b`));
  });
});

describe("the settings reach the running process (src/compose.ts)", () => {
  let dirs: GatewayDirs | undefined;
  afterAll(async () => {
    await stopAllGateways();
    dirs?.remove();
  });

  it("NODE_ENV=production: no introspection, no GraphiQL; MAX_REQUEST_BYTES and MAX_QUERY_* apply", async () => {
    dirs = makeGatewayDirs();
    const gateway = await startGateway({
      NODE_ENV: "production",
      DATABASE_URL: dirs.databaseUrl,
      MEDIA_DIR: dirs.mediaDir,
      MAX_REQUEST_BYTES: "4096",
      MAX_QUERY_ALIASES: "1",
      LOG_LEVEL: "warn",
    });
    const post = (body: string) =>
      fetch(`${gateway.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/graphql-response+json" },
        body,
      });

    const introspection = await post(JSON.stringify({ query: "{ __schema { queryType { name } } }" }));
    expect(introspection.status).toBe(400);
    expect(await introspection.text()).toMatch(/introspection has been disabled/);

    const page = await fetch(`${gateway.url}/graphql`, { headers: { accept: "text/html" } });
    expect((await page.text()).toLowerCase()).not.toContain("graphiql");

    expect((await post(JSON.stringify({ query: "{ __typename }", variables: { pad: "a".repeat(5_000) } }))).status).toBe(413);
    expect((await post(JSON.stringify({ query: "{ a: __typename b: credits { spentUsd } c: credits { spentUsd } }" }))).status).toBe(400);
    expect((await post(JSON.stringify({ query: "{ __typename }" }))).status).toBe(200);
  });
});
