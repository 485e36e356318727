import {
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isScalarType,
} from "graphql";
import { encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../src/schema";
import { databaseTargets } from "../support/databases";
import { type Harness, startHarness } from "../support/harness";
import { type SeededTeam, seedTeam } from "../support/teams";

/**
 * Every root field of the schema, whoever added it, refuses a key without the scope it needs:
 * queries and subscriptions need `read` (or `admin` for admin-only ones), mutations need
 * `generate` (or `admin`). So a key holding only the other scope must get FORBIDDEN from each.
 * A field added without a scope check fails here.
 */
const sqlite = databaseTargets().find((target) => target.provider === "sqlite");

function literal(type: GraphQLInputType): string {
  if (isNonNullType(type)) return literal(type.ofType);
  if (isListType(type)) return `[${literal(type.ofType)}]`;
  if (isEnumType(type)) return type.getValues()[0]?.name ?? "null";
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields()).filter((field) => isNonNullType(field.type) && field.defaultValue === undefined);
    return `{ ${fields.map((field) => `${field.name}: ${literal(field.type)}`).join(", ")} }`;
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case "ID":
        return `"${encodeGlobalID("Generation", "01900000-0000-7000-8000-000000000000")}"`;
      case "Int":
      case "Float":
        return "5";
      case "Boolean":
        return "false";
      case "DateTime":
        return `"${new Date(Date.now() + 3_600_000).toISOString()}"`;
      default:
        return '"x"';
    }
  }
  throw new Error(`no literal for ${String(type)}`);
}

function operationFor(kind: "query" | "mutation" | "subscription", field: GraphQLField<unknown, unknown>): string {
  const required = field.args.filter((arg: GraphQLArgument) => isNonNullType(arg.type) && arg.defaultValue === undefined);
  const args = required.length > 0 ? `(${required.map((arg) => `${arg.name}: ${literal(arg.type)}`).join(", ")})` : "";
  const selection = isLeafType(getNamedType(field.type)) ? "" : " { __typename }";
  return `${kind} { ${field.name}${args}${selection} }`;
}

const rootFields = (type: GraphQLObjectType | null | undefined) => Object.values(type?.getFields() ?? {});

describe.skipIf(!sqlite)("every root field checks a scope", () => {
  let harness: Harness;
  let baseUrl: string;
  let team: SeededTeam;

  beforeAll(async () => {
    harness = await startHarness(sqlite as NonNullable<typeof sqlite>, { start: false, allowAnonymous: false });
    baseUrl = await harness.listen();
    team = await seedTeam(harness.db, "scoped", { reader: "read", generator: "generate" });
  });
  afterAll(() => harness?.close());

  it("the schema has the root fields this test knows to expect", () => {
    const names = [...rootFields(schema.getQueryType()), ...rootFields(schema.getMutationType())].map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(["generation", "generations", "node", "nodes", "credits", "generateVideo", "cancelGeneration"]));
  });

  it("queries refuse a generate-only key; mutations refuse a read-only key", async () => {
    const cases = [
      ...rootFields(schema.getQueryType()).map((field) => ({ operation: operationFor("query", field), key: team.keys.generator })),
      ...rootFields(schema.getMutationType()).map((field) => ({ operation: operationFor("mutation", field), key: team.keys.reader })),
    ];
    for (const { operation, key } of cases) {
      const result = await harness.gqlAs(key as string, operation);
      expect(result.errors?.[0]?.extensions?.code, `${operation}: ${JSON.stringify(result)}`).toBe("FORBIDDEN");
    }
    expect(await harness.db.generation.count()).toBe(0);
  });

  it("subscriptions refuse a generate-only key", async () => {
    for (const field of rootFields(schema.getSubscriptionType())) {
      const operation = operationFor("subscription", field);
      // Refused before any stream starts: a plain 403 answer, not an event stream.
      const response = await fetch(`${baseUrl}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream", authorization: `Bearer ${team.keys.generator}` },
        body: JSON.stringify({ query: operation }),
      });
      const text = await response.text();
      expect(response.status, `${operation}: ${text}`).toBe(403);
      expect(text, operation).toContain('"code":"FORBIDDEN"');
    }
  });

  it("the matching scope gets past the check", async () => {
    const read = await harness.gqlAs(team.keys.reader as string, "{ generations(first: 1) { totalCount } credits { upstream } }");
    expect(read.errors).toBeUndefined();
    const write = await harness.gqlAs(
      team.keys.generator as string,
      'mutation { cancelGeneration(id: "01900000-0000-7000-8000-000000000000") { __typename } }',
    );
    expect(write).toEqual({ data: { cancelGeneration: { __typename: "GenerationNotFoundError" } } });
  });
});
