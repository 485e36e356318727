import { afterAll, beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../support/databases";
import { type Harness, startHarness } from "../support/harness";
import { createdId, generateAs, makeTeam } from "../budget/support";

/**
 * generateVideo keeps the row it wrote for the worker's first step (row-snapshots.ts): that
 * step would otherwise read it back right away, one more query per accepted request. The
 * worker does not run here, so the kept rows stay to be looked at.
 */
describeEachDatabase("the accept path keeps the new row for the worker", (target) => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness(target, { start: false });
  });
  afterAll(() => harness?.close());

  it("keeps the row as stored, for a team's request (group commit) and an anonymous one; not a replay's", async () => {
    const team = await makeTeam(harness.db, { dailyLimitUsd: 100 });
    const snapshots = harness.gateway.services.snapshots;
    expect(snapshots).toBeDefined();
    for (const key of [team.key, null]) {
      // Every optional column set: the kept row is built in JS, not read back (persist.ts).
      const request = {
        idempotencyKey: `keep-${key ? "team" : "anonymous"}`,
        seed: 7,
        prompt: "kept",
        cameraFixed: true,
        tags: ["keep", "row"],
        metadata: { shot: 3, scene: "kept" },
        deadline: new Date(Date.now() + 3_600_000).toISOString(),
      };
      const id = createdId(await generateAs(harness, key, request));
      const kept = snapshots?.take(id);
      expect(kept?.row).toEqual(await harness.db.generation.findUniqueOrThrow({ where: { id } }));
      // A replay writes nothing, so it keeps nothing.
      expect(createdId(await generateAs(harness, key, request))).toBe(id);
      expect(snapshots?.take(id)).toBeNull();
    }
  });
});
