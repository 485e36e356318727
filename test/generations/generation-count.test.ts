import { afterAll, beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../support/databases";
import { type Harness, VALID_INPUT, startHarness } from "../support/harness";
import { type SeededTeam, seedTeam } from "../support/teams";
import { generateVideosAs, item } from "./batch-support";

/**
 * totalCount of a team's whole history reads Team.generationCount, which a database trigger
 * (migration 0009) keeps on every INSERT INTO "Generation": single requests, batches (one
 * multi-row insert) and rows inserted by hand alike. Filtered counts, the admin's and the
 * anonymous ones still COUNT the rows; all must agree with the rows themselves.
 */
const GENERATE = `mutation($input: GenerateVideoInput!) {
  generateVideo(input: $input) { __typename ... on GenerateVideoPayload { generation { id } } }
}`;
const COUNT = `query($filter: GenerationFilter) { generations(first: 1, filter: $filter) { totalCount } }`;

describeEachDatabase("generations: totalCount from the team's counter", (target) => {
  let harness: Harness;
  let alpha: SeededTeam;
  let beta: SeededTeam;
  let admin: SeededTeam;

  const totalCount = async (key: string | null, filter?: Record<string, unknown>) => {
    const result = await harness.gqlAs(key, COUNT, { filter });
    expect(result.errors).toBeUndefined();
    return result.data.generations.totalCount as number;
  };
  const rowsOf = (teamId: string | null) => harness.db.generation.count({ where: { teamId } });
  const counterOf = async (teamId: string) => (await harness.db.team.findUniqueOrThrow({ where: { id: teamId } })).generationCount;

  beforeAll(async () => {
    harness = await startHarness(target, { start: false });
    alpha = await seedTeam(harness.db, "alpha", { app: "generate,read" });
    beta = await seedTeam(harness.db, "beta", { app: "generate,read" });
    admin = await seedTeam(harness.db, "ops", { root: "admin" });
  });
  afterAll(() => harness?.close());

  it("counts single requests, batches and anonymous ones, each team on its own", async () => {
    for (const seed of [1, 2, 3]) {
      const answer = await harness.gqlAs(alpha.keys.app as string, GENERATE, { input: { ...VALID_INPUT, seed } });
      expect(answer.data.generateVideo.__typename).toBe("GenerateVideoPayload");
    }
    const batch = await generateVideosAs(harness, alpha.keys.app as string, { items: [item()], seeds: [10, 11, 12, 13], tags: ["sweep"] });
    expect(batch.__typename).toBe("GenerateVideosPayload");
    await harness.gqlAs(beta.keys.app as string, GENERATE, { input: { ...VALID_INPUT, seed: 4 } });
    await harness.gqlAs(null, GENERATE, { input: { ...VALID_INPUT, seed: 5 } });

    expect(await rowsOf(alpha.id)).toBe(7);
    expect(await counterOf(alpha.id)).toBe(7);
    expect(await counterOf(beta.id)).toBe(1);
    expect(await totalCount(alpha.keys.app as string)).toBe(7);
    expect(await totalCount(beta.keys.app as string)).toBe(1);
    expect(await totalCount(null)).toBe(await rowsOf(null));
    expect(await totalCount(admin.keys.root as string)).toBe(await harness.db.generation.count());
    // Filters count the rows: the batch's 4 carry the tag.
    expect(await totalCount(alpha.keys.app as string, { tag: "sweep" })).toBe(4);
    expect(await totalCount(alpha.keys.app as string, { seed: 2 })).toBe(1);
  });

  it("reads the team's row for its whole history, and the rows for a filtered one", async () => {
    harness.queries.length = 0;
    await totalCount(alpha.keys.app as string);
    const whole = harness.queries.map((q) => `${q.model}.${q.operation}`);
    expect(whole).toContain("Team.findUnique");
    expect(whole).not.toContain("Generation.count");
    harness.queries.length = 0;
    await totalCount(alpha.keys.app as string, { status: ["QUEUED"] });
    expect(harness.queries.map((q) => `${q.model}.${q.operation}`)).toContain("Generation.count");
  });

  it("follows rows inserted by other means too (the trigger is in the database)", async () => {
    const template = await harness.db.generation.findFirstOrThrow({ where: { teamId: beta.id } });
    const { id: _id, idempotencyKey: _key, ...copy } = template;
    await harness.db.generation.createMany({
      data: ["01900000-0000-7000-8000-00000000000a", "01900000-0000-7000-8000-00000000000b"].map((id) => ({ ...copy, id })),
    });
    expect(await counterOf(beta.id)).toBe(3);
    expect(await totalCount(beta.keys.app as string)).toBe(await rowsOf(beta.id));
  });
});
