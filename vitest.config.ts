import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql ships CJS and ESM builds; Node (and so Pothos and yoga) loads the CJS one.
    // Vite would pick the ESM one for our files: two copies of graphql break instanceof.
    alias: { graphql: require.resolve("graphql") },
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file gets its own databases, ports and media dirs; two cores, so two forks.
    pool: "forks",
    maxWorkers: 2,
  },
});
