import { afterAll, beforeAll, expect, it } from "vitest";
import { makeTeam } from "../budget/support";
import { generateVideosAs, item } from "../generations/batch-support";
import { describeEachDatabase } from "../support/databases";
import { type Harness, VALID_INPUT, localId, startHarness } from "../support/harness";
import { startWebhookReceiver } from "../support/webhook-receiver";
import { addEndpoint, webhooksIdle } from "./support";

/** batch.completed: once per batch, when its last generation reaches a final status. */
describeEachDatabase("webhooks: batch.completed", (target) => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness(target, { clientTimeoutMs: 20_000 });
  });
  afterAll(() => harness?.close());

  it("is sent once, after every item's own event, with the batch's outcome in item order", async () => {
    const team = await makeTeam(harness.db);
    const hooks = await startWebhookReceiver();
    try {
      const { secret } = await addEndpoint(harness, team.teamId, { url: hooks.url, events: ["batch.completed", "generation.succeeded"] });
      hooks.secrets.push(secret);
      const single = await harness.gqlAs(team.key, `mutation($input: GenerateVideoInput!) { generateVideo(input: $input) { ... on GenerateVideoPayload { generation { id } } } }`, {
        input: { ...VALID_INPUT, tags: ["single"] },
      });
      const sweep = await generateVideosAs(harness, team.key, { items: [item()], seedCount: 5, tags: ["sweep"], metadata: { order: 7 } });
      const ids = [localId(single.data.generateVideo.generation.id), ...sweep.generations.map((g: any) => localId(g.id))];
      await Promise.all(ids.map((id) => harness.waitForStatus(id, ["SUCCEEDED"], 30_000)));
      await hooks.waitFor(7, 30_000);
      await webhooksIdle(harness);

      const types = hooks.received.map((hook) => hook.payload.type);
      expect(types.filter((type) => type === "generation.succeeded")).toHaveLength(6);
      expect(types.filter((type) => type === "batch.completed")).toHaveLength(1);
      const completed = hooks.received.find((hook) => hook.payload.type === "batch.completed");
      expect(completed?.verifiedWith).toEqual([0]);
      expect(completed?.payload.data.batch).toMatchObject({
        id: sweep.batch.id,
        size: 5,
        tags: ["sweep"],
        metadata: { order: 7 },
        statusCounts: { SUCCEEDED: 5 },
        estimatedCostUsd: 0.455,
        costUsd: 0.455,
      });
      expect(completed?.payload.data.batch.generations.map((g: any) => [g.id, g.seed, g.batchIndex, g.status])).toEqual(
        sweep.generations.map((g: any) => [g.id, g.seed, g.batchIndex, "SUCCEEDED"]),
      );
      // Item events carry the labels too.
      const itemEvent = hooks.received.find((hook) => hook.payload.data.generation?.id === sweep.generations[0].id);
      expect(itemEvent?.payload.data.generation).toMatchObject({ tags: ["sweep"], batchId: sweep.batch.id, batchIndex: 0 });
    } finally {
      await hooks.close();
    }
  }, 60_000);
});
