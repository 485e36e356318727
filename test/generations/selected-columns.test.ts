// The selection walker behind a page's column lists (src/generations/selected-columns.ts).
import { type FragmentDefinitionNode, type OperationDefinitionNode, type FieldNode, Kind, parse } from "graphql";
import { describe, expect, it } from "vitest";
import { type ColumnMap, selectionReader } from "../../src/generations/selected-columns";

const MAP: ColumnMap<string> = {
  a: ["a"],
  b: ["b1", "b2"],
  loads: ["key"],
  nested: { c: ["c"], deeper: { d: ["d"] } },
};

/** The info a resolver of the query's first field gets. */
function infoOf(query: string) {
  const document = parse(query);
  const operation = document.definitions.find((definition) => definition.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
  const fragments = Object.fromEntries(
    document.definitions.filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION).map((fragment) => [fragment.name.value, fragment]),
  );
  return { fieldNodes: [operation.selectionSet.selections[0] as FieldNode], fragments };
}

describe("selectionReader", () => {
  const read = selectionReader(MAP, ["id"], (wanted) => (wanted ? [...wanted].sort() : null));

  it("collects the columns of the fields selected, through nested maps, inline and named fragments", () => {
    expect(read(infoOf("{ f { __typename a ... on T { nested { c ...D } } } } fragment D on N { deeper { d } }"))).toEqual(["a", "c", "d", "id"]);
  });

  it("does not walk below a field given as a list (it reads other rows)", () => {
    expect(read(infoOf("{ f { loads { anything whatever } } }"))).toEqual(["id", "key"]);
  });

  it("answers every column (null) when a field is not in the map, at any depth", () => {
    expect(read(infoOf("{ f { a unknown } }"))).toBeNull();
    expect(read(infoOf("{ f { nested { c unknown } } }"))).toBeNull();
    expect(read(infoOf("{ f { ...Missing } }"))).toBeNull();
    expect(read(infoOf("{ f { constructor } }"))).toBeNull();
  });

  it("keeps one answer per field node", () => {
    const info = infoOf("{ f { b } }");
    const first = read(info);
    expect(first).toEqual(["b1", "b2", "id"]);
    expect(read(info)).toBe(first);
  });
});
