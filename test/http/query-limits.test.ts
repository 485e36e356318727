import { getIntrospectionQuery } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_QUERY_LIMITS } from "../../src/http/armor";
import { databaseTargets } from "../support/databases";
import { GENERATION_FIELDS, type Harness, VALID_INPUT, startHarness } from "../support/harness";
import { GRAPHQL_RESPONSE, expectStillServing, fetchOn, jsonOf, postJson, variantGateway } from "./helpers";

/**
 * GraphQL Armor's limits (src/http/armor.ts): the heaviest legitimate requests pass, abusive
 * documents are refused as validation errors before any resolver runs.
 */
const target = databaseTargets()[0]!;
let harness: Harness;
let url: string;
/** How often a resolver asked for credits: refused documents must not get that far. */
let creditsReads = 0;

beforeAll(async () => {
  // No worker: the only database reads are the ones requests make.
  harness = await startHarness(target, { start: false });
  url = await harness.listen();
  const credits = harness.gateway.services.credits;
  const report = credits.report.bind(credits);
  credits.report = (visibility) => {
    creditsReads += 1;
    return report(visibility);
  };
  for (let index = 0; index < 3; index += 1) await harness.generate({ ...VALID_INPUT, seed: 100 + index });
});
afterAll(() => harness?.close());

/** A refusal: a GraphQL error, 400 under graphql-response+json, no data, nothing executed. */
async function expectRefused(query: string, message: RegExp, variables?: Record<string, unknown>) {
  const queriesBefore = harness.queries.length;
  const readsBefore = creditsReads;
  const response = await postJson(url, { query, variables });
  expect(response.status).toBe(400);
  const result = await jsonOf(response);
  expect(result).not.toHaveProperty("data");
  expect(result.errors.map((error: { message: string }) => error.message).join("\n")).toMatch(message);
  expect(harness.queries.length).toBe(queriesBefore);
  expect(creditsReads).toBe(readsBefore);
  return result;
}

describe("legitimate heavy requests pass", () => {
  it("a 100-generation page with every Generation field and its events", async () => {
    const response = await postJson(url, {
      query: `query Page { generations(first: 100) {
        totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        edges { cursor node { ${GENERATION_FIELDS} } } } }`,
    });
    const result = await jsonOf(response);
    expect(result.errors).toBeUndefined();
    expect(response.status).toBe(200);
    expect(result.data.generations.edges).toHaveLength(3);
  });

  it("the same page written with fragments, as client libraries do", async () => {
    const fields = GENERATION_FIELDS.replace(/events\s*\{[^}]*\}/, "events { ...Event }");
    const eventFields = /events\s*\{([^}]*)\}/.exec(GENERATION_FIELDS)?.[1];
    const response = await postJson(url, {
      query: `query Page($filter: GenerationFilter) {
          generations(first: 100, filter: $filter) { totalCount pageInfo { ...Page } edges { cursor node { ...Full } } }
        }
        fragment Page on PageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        fragment Full on Generation { ${fields} }
        fragment Event on GenerationEvent { ${eventFields} }`,
    });
    const result = await jsonOf(response);
    expect(result.errors).toBeUndefined();
    expect(result.data.generations.edges).toHaveLength(3);
  });

  it("GraphiQL's introspection query (and graphql-js's default one)", async () => {
    for (const query of [
      getIntrospectionQuery({ inputValueDeprecation: true, schemaDescription: true }),
      getIntrospectionQuery(),
    ]) {
      const result = await jsonOf(await postJson(url, { query }));
      expect(result.errors).toBeUndefined();
      expect(result.data.__schema.queryType.name).toBe("Query");
    }
  });

  it(`up to ${DEFAULT_QUERY_LIMITS.maxAliases} aliases`, async () => {
    const aliases = Array.from({ length: DEFAULT_QUERY_LIMITS.maxAliases }, (_, i) => `c${i}: credits { spentUsd }`);
    const result = await jsonOf(await postJson(url, { query: `{ ${aliases.join(" ")} }` }));
    expect(result.errors).toBeUndefined();
  });
});

describe("abusive documents are refused before anything runs", () => {
  it("deep nesting through a chain of fragments (introspection counts too)", async () => {
    const levels = 20;
    const fragments = Array.from({ length: levels }, (_, i) => `fragment L${i} on __Type { name ofType { ...L${i + 1} } }`);
    fragments.push(`fragment L${levels} on __Type { name }`);
    await expectRefused(`{ __schema { types { ...L0 } } } ${fragments.join(" ")}`, /depth limit of 16 exceeded/);
  });

  it("an introspection cycle (types → possibleTypes → interfaces → ...) with fan-out", async () => {
    const levels = 16;
    const fragments = Array.from(
      { length: levels },
      (_, i) => `fragment L${i} on __Type { name possibleTypes { ...L${i + 1} } interfaces { ...L${i + 1} } }`,
    );
    fragments.push(`fragment L${levels} on __Type { name }`);
    // graphql-js's own MaxIntrospectionDepthRule may report it as well.
    await expectRefused(`{ __schema { types { ...L0 } } } ${fragments.join(" ")}`, /depth limit of 16 exceeded/);
  });

  it("deep nesting written inline", async () => {
    const nested = `${"possibleTypes { ".repeat(20)}name${" }".repeat(20)}`;
    await expectRefused(`{ __type(name: "Error") { ${nested} } }`, /depth limit/);
  });

  it("deep nesting through node and inline fragments costs nothing extra, but the fields inside count", async () => {
    // Inline fragments are not levels (flattenFragments): only real field nesting is measured.
    const wrapped = `${"... on Node { ".repeat(30)}id${" }".repeat(30)}`;
    const result = await jsonOf(await postJson(url, { query: `{ node(id: "x") { ${wrapped} } }` }));
    expect(result.errors ?? []).not.toContainEqual(expect.objectContaining({ message: expect.stringMatching(/limit/) }));
  });

  it("1000 aliases of one field", async () => {
    const aliases = Array.from({ length: 1000 }, (_, i) => `c${i}: credits { spentUsd }`);
    // 1000 aliases are also ~5000 tokens: whichever limit trips first, nothing runs.
    await expectRefused(`{ ${aliases.join(" ")} }`, /(Aliases|Token) limit/);
  });

  it(`${DEFAULT_QUERY_LIMITS.maxAliases + 1} aliases (under the token limit)`, async () => {
    const aliases = Array.from({ length: DEFAULT_QUERY_LIMITS.maxAliases + 1 }, (_, i) => `c${i}: credits { spentUsd }`);
    await expectRefused(`{ ${aliases.join(" ")} }`, /Aliases limit of 15 exceeded/);
  });

  it("aliased 100-generation pages: the cost limit", async () => {
    const page = (alias: string) => `${alias}: generations(first: 100) { edges { node { ${GENERATION_FIELDS} } } }`;
    await expectRefused(`{ ${page("a")} ${page("b")} ${page("c")} }`, /Cost limit of 50000 exceeded/);
  });

  it("a huge token count (with no field repeated) is stopped while parsing", async () => {
    const result = await expectRefused(`{ ${"__typename ".repeat(5_000)} }`, /Token limit of 1000 exceeded/);
    expect(result.errors[0].extensions.code).toBe("GRAPHQL_PARSE_FAILED");
  });

  it("a directive flood", async () => {
    await expectRefused(`{ __typename ${"@include(if: true) ".repeat(25)} }`, /Directives limit of 20 exceeded/);
  });

  it("under legacy application/json the refusal is a 200 with errors, as the spec says for validation errors", async () => {
    const aliases = Array.from({ length: 16 }, (_, i) => `c${i}: __schema { description }`);
    const response = await postJson(url, { query: `{ ${aliases.join(" ")} }` }, { accept: "application/json" });
    expect(response.status).toBe(200);
    expect((await jsonOf(response)).errors[0].extensions.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });

  it("the gateway still serves afterwards", () => expectStillServing(url));
});

describe("limits, introspection and GraphiQL are configurable", () => {
  it("tighter limits from configuration apply", async () => {
    const strict = variantGateway(harness, { queryLimits: { maxDepth: 2, maxTokens: 100 } });
    const deep = await jsonOf(await fetchOn(strict, { query: "{ credits { balance { credits } } }" }));
    expect(deep.errors[0].message).toMatch(/depth limit of 2 exceeded/);
    const ok = await jsonOf(await fetchOn(strict, { query: "{ credits { spentUsd } }" }));
    expect(ok.errors).toBeUndefined();
  });

  it("with introspection off, __schema and __type are refused and field suggestions are hidden", async () => {
    const closed = variantGateway(harness, { introspection: false, graphiql: false });
    for (const query of [getIntrospectionQuery(), '{ __type(name: "Generation") { name } }']) {
      const response = await fetchOn(closed, { query });
      expect(response.status).toBe(400);
      expect((await jsonOf(response)).errors[0].message).toMatch(/introspection has been disabled/);
    }
    const typo = await jsonOf(await fetchOn(closed, { query: "{ generatoins { totalCount } }" }));
    expect(typo.errors[0].message).not.toMatch(/Did you mean/);
    expect(JSON.stringify(typo)).not.toContain('"generations"');
    // __typename is not introspection: clients (Apollo, urql) add it everywhere.
    expect(await jsonOf(await fetchOn(closed, { query: "{ __typename }" }))).toEqual({ data: { __typename: "Query" } });
  });

  it("with introspection on (the default), suggestions help the developer", async () => {
    const typo = await jsonOf(await postJson(url, { query: "{ generatoins { totalCount } }" }));
    expect(typo.errors[0].message).toMatch(/Did you mean "generation/);
  });

  it("with GraphiQL off, a browser gets no GraphiQL page", async () => {
    const closed = variantGateway(harness, { graphiql: false });
    const response = await closed.yoga.fetch("http://gateway.test/graphql", { headers: { accept: "text/html" } });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(await response.text()).not.toMatch(/graphiql/i);
    const open = await harness.gateway.yoga.fetch("http://gateway.test/graphql", { headers: { accept: "text/html" } });
    expect(open.status).toBe(200);
    expect((await open.text()).toLowerCase()).toContain("graphiql");
  });
});
