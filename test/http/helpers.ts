import { expect } from "vitest";
import { type Gateway, type GatewayDeps, createGateway } from "../../src/gateway";
import type { Harness } from "../support/harness";

export const GRAPHQL_RESPONSE = "application/graphql-response+json";

/** POSTs a JSON GraphQL request (body as given: a string is sent verbatim). */
export function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: GRAPHQL_RESPONSE, ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** Reads a response as JSON (asserting it is JSON). */
export async function jsonOf(response: Response): Promise<any> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`not JSON (HTTP ${response.status}): ${text.slice(0, 200)}`);
  }
}

/** The gateway still answers a trivial query over the same server: nothing crashed or wedged. */
export async function expectStillServing(url: string): Promise<void> {
  const response = await postJson(url, { query: "{ __typename }" });
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ data: { __typename: "Query" } });
}

/**
 * A second gateway on a harness's database, stand-in and media, built with other options
 * (introspection off, tighter limits, ...). Its worker is never started; use `fetchOn`.
 */
export function variantGateway(harness: Harness, overrides: Partial<GatewayDeps>): Gateway {
  const services = harness.gateway.services;
  return createGateway({
    db: services.db,
    databaseProvider: services.databaseProvider,
    segmind: services.segmind,
    media: services.media,
    upstream: { name: services.upstream.name, mode: services.upstream.mode },
    publicUrl: services.publicUrl,
    logger: services.logger,
    ...overrides,
  });
}

/** One GraphQL POST to a gateway in-process (no sockets). */
export function fetchOn(gateway: Gateway, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return Promise.resolve(
    gateway.yoga.fetch("http://gateway.test/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: GRAPHQL_RESPONSE, ...headers },
      body: JSON.stringify(body),
    }),
  );
}
