import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file gets its own databases, ports and media dirs; two cores, so two forks.
    pool: "forks",
    maxWorkers: 2,
  },
});
