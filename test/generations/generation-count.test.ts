import { afterAll, beforeAll, expect, it } from "vitest";
import { countStatements, installCounter } from "../../bench/lib/statement-counter";
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

  /** The statements that read generations or the team's counter (not the API key's row). */
  const historyReads = (count: { sql?: string[] }) => (count.sql ?? []).filter((sql) => /FROM "(Generation|Team)"/.test(sql));

  beforeAll(async () => {
    installCounter();
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

  it("reads the team's row for its whole history, and the rows for a filtered one, in the page's own statement", async () => {
    const whole = historyReads(await countStatements(() => totalCount(alpha.keys.app as string), { keepSql: true }));
    expect(whole).toHaveLength(1);
    expect(whole[0]).toContain('(SELECT "generationCount" AS "n" FROM "Team" WHERE "id" = ');
    expect(whole[0]).not.toContain("COUNT(*)");
    const filtered = historyReads(await countStatements(() => totalCount(alpha.keys.app as string, { status: ["QUEUED"] }), { keepSql: true }));
    expect(filtered).toHaveLength(1);
    expect(filtered[0]).toContain('(SELECT COUNT(*) AS "n" FROM "Generation" WHERE "teamId" = ');
  });

  it("answers totalCount in its place, before edges, when the rows carry it", async () => {
    const answer = await harness.gqlAs(alpha.keys.app as string, `{ generations(first: 2) { totalCount edges { cursor } } }`);
    expect(answer.errors).toBeUndefined();
    expect(Object.keys(answer.data.generations)).toEqual(["totalCount", "edges"]);
    expect(answer.data.generations.totalCount).toBe(await rowsOf(alpha.id));
  });

  it("counts on its own when the page has no row to carry the count", async () => {
    const newest = await harness.gqlAs(alpha.keys.app as string, `{ generations(last: 1) { edges { cursor } } }`);
    const after = newest.data.generations.edges[0].cursor as string;
    for (const filter of [undefined, { seed: 2 }, { seed: 999_999 }]) {
      const count = await countStatements(
        async () => {
          const answer = await harness.gqlAs(alpha.keys.app as string, `query($after: String, $filter: GenerationFilter) { generations(first: 1, after: $after, filter: $filter) { totalCount edges { cursor } } }`, { after, filter });
          expect(answer.errors).toBeUndefined();
          expect(answer.data.generations.edges).toEqual([]);
          expect(answer.data.generations.totalCount).toBe(filter === undefined ? await rowsOf(alpha.id) : filter.seed === 2 ? 1 : 0);
        },
        { keepSql: true },
      );
      // The empty page, then the count by itself.
      expect(historyReads(count)).toHaveLength(2);
    }
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
