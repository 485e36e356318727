import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderSchemaSDL } from "../../src/schema/sdl";

describe("schema.graphql", () => {
  it("is the committed print of the Pothos schema (run `npm run schema:print` after a change)", () => {
    const committed = readFileSync(new URL("../../schema.graphql", import.meta.url), "utf8");
    expect(committed).toBe(renderSchemaSDL());
  });
});
