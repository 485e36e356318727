// Writes schema.graphql from the Pothos schema. The committed file is the contract that
// frontend teams read; test/schema/schema-drift.test.ts fails when it is out of date.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { renderSchemaSDL } from "../src/schema/sdl";

const target = fileURLToPath(new URL("../schema.graphql", import.meta.url));
writeFileSync(target, renderSchemaSDL());
console.log(`wrote ${target}`);
