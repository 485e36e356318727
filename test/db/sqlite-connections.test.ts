import { readdirSync, readlinkSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { sqliteFilePath } from "../../src/db/provider";
import { describeEachDatabase } from "../support/databases";
import { type Harness, VALID_INPUT, localId, startHarness } from "../support/harness";

/** Open file descriptors of this process on the database file (and its -wal / -shm). */
function descriptorsOn(file: string): number {
  let count = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(file)) count += 1;
    } catch {
      // closed while listing
    }
  }
  return count;
}

describeEachDatabase(
  "SQLite: one connection for the process",
  (target) => {
    let harness: Harness;

    beforeAll(async () => {
      harness = await startHarness(target, { standInOptions: { jobDurationMs: 50 } });
    });
    afterAll(() => harness?.close());

    it("keeps the descriptors on the database file constant however many transactions run", { timeout: 120_000 }, async () => {
      const file = sqliteFilePath(harness.database.url);
      const ids = [];
      for (const seed of [1, 2, 3]) ids.push(localId((await harness.generate({ ...VALID_INPUT, seed })).generation.id));
      await Promise.all(ids.map((id) => harness.waitForStatus(id, ["SUCCEEDED"], 60_000)));
      const settled = descriptorsOn(file);

      // 20 more generations: each a dozen transactions (create, claim, submit, polls, store).
      for (let seed = 10; seed < 30; seed += 1) ids.push(localId((await harness.generate({ ...VALID_INPUT, seed })).generation.id));
      await Promise.all(ids.map((id) => harness.waitForStatus(id, ["SUCCEEDED"], 60_000)));
      // libsql used to leave each transaction's connection open until garbage collection:
      // hundreds of descriptors here. Now none more than before the 20.
      expect(descriptorsOn(file)).toBeLessThanOrEqual(settled);
    });
  },
  { only: ["sqlite"] },
);
