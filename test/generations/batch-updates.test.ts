import { afterAll, beforeAll, expect, it } from "vitest";
import { makeTeam } from "../budget/support";
import { describeEachDatabase } from "../support/databases";
import { type Harness, startHarness } from "../support/harness";
import { subscribe } from "../support/sse";
import { generateVideosAs, item } from "./batch-support";

const BATCH_UPDATES = `subscription($batchId: ID, $after: Int) {
  generationsUpdated(batchId: $batchId, after: $after) { kind sequence event { toStatus } generation { id status batchIndex batch { id } } }
}`;

/** A batch's progress over SSE: generationsUpdated(batchId:) streams only that batch's changes. */
describeEachDatabase("generationsUpdated(batchId:)", (target) => {
  let harness: Harness;
  let baseUrl: string;

  beforeAll(async () => {
    harness = await startHarness(target, { clientTimeoutMs: 20_000 });
    baseUrl = await harness.listen();
  });
  afterAll(() => harness?.close());

  it("streams one batch's changes until every item is final, and nothing of another team's batch", async () => {
    const team = await makeTeam(harness.db);
    const stranger = await makeTeam(harness.db);
    const sweep = await generateVideosAs(harness, team.key, { items: [item()], seedCount: 3 });
    const other = await generateVideosAs(harness, team.key, { items: [item({ seed: 77 })] });
    const headers = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });

    const stream = await subscribe(baseUrl, BATCH_UPDATES, { batchId: sweep.batch.id, after: 0 }, headers(team.key));
    const succeeded = new Set<string>();
    while (succeeded.size < 3) {
      const update = (await stream.next(30_000)).data.generationsUpdated;
      expect(update.generation.batch.id).toBe(sweep.batch.id);
      if (update.event.toStatus === "SUCCEEDED") succeeded.add(update.generation.id);
    }
    stream.close();
    expect([...succeeded].sort()).toEqual(sweep.generations.map((g: any) => g.id).sort());
    expect(other.batch.id).not.toBe(sweep.batch.id);

    const theirs = await subscribe(baseUrl, BATCH_UPDATES, { batchId: sweep.batch.id, after: 0 }, headers(stranger.key));
    await expect(theirs.next(1_000)).rejects.toThrow();
    theirs.close();
  }, 60_000);
});
