import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { STUDIO_ASSETS, buildStudio } from "../../scripts/build-studio";
import { staleGeneratedFiles } from "../support/codegen";

/**
 * The studio is served from committed files (studio/assets) so `npm install && npm start`
 * needs no build step. These fail when the committed files are not what the sources make.
 */
describe("the studio's committed build", () => {
  it("typed documents (studio/src/gql) match schema.graphql and the studio's operations (npm run codegen)", async () => {
    expect(await staleGeneratedFiles("../../studio/codegen.ts")).toEqual([]);
  }, 120_000);

  it("studio/assets is what studio/src builds to (npm run studio:build), and stays small", async () => {
    const built = await buildStudio();
    for (const name of STUDIO_ASSETS) {
      const committed = readFileSync(new URL(`../../studio/assets/${name}`, import.meta.url));
      expect(committed.equals(built[name]), `studio/assets/${name} is stale: run npm run studio:build`).toBe(true);
    }
    // Preact, the graphql-sse client and the app: no GraphQL parser, no framework runtime beyond that.
    expect(built["studio.js"].length).toBeLessThan(100_000);
  }, 60_000);
});
