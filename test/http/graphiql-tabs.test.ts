import { parse, validate } from "graphql";
import { describe, expect, it } from "vitest";
import { GRAPHIQL_TABS, graphiqlOptions } from "../../src/http/graphiql";
import { schema } from "../../src/schema";

describe("GraphiQL's default tabs", () => {
  it("hold the README's operations, each valid against the schema", () => {
    const names = Object.values(GRAPHIQL_TABS).map((query) => {
      const document = parse(query);
      expect(validate(schema, document)).toEqual([]);
      return document.definitions.map((definition) => ("operation" in definition ? definition.operation : "?"));
    });
    expect(names.flat()).toEqual(["mutation", "query", "query", "subscription"]);
  });

  it("pre-fill the key header: a commented placeholder where anonymous use works, a live one elsewhere", () => {
    const sandbox = graphiqlOptions({ allowAnonymous: true });
    const keyed = graphiqlOptions({ allowAnonymous: false });
    expect(sandbox.defaultTabs).toHaveLength(4);
    for (const tab of sandbox.defaultTabs ?? []) expect(tab.headers).toMatch(/^\s*\/\/ "Authorization": "Bearer /m);
    // Without comments the keyed one is plain JSON with the placeholder to replace.
    const uncommented = (keyed.defaultHeaders ?? "").replace(/^\s*\/\/.*$/gm, "");
    expect(JSON.parse(uncommented)).toEqual({ Authorization: "Bearer sgw_live_<prefix>_<secret>" });
    expect(keyed.shouldPersistHeaders).toBe(false);
  });
});
