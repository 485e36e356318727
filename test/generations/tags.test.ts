import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { METADATA_MAX_BYTES, TAG_MAX_LENGTH, TAGS_MAX_COUNT } from "../../src/generations/labels";
import { generationView } from "../../src/webhooks/payload";
import { makeTeam } from "../budget/support";
import { describeEachDatabase } from "../support/databases";
import { type Harness, VALID_INPUT, localId, startHarness } from "../support/harness";
import { generateVideosAs, item, storedCounts } from "./batch-support";
import { sealAudit } from "../../src/audit/seal";

const GENERATE = `
  mutation Generate($input: GenerateVideoInput!) {
    generateVideo(input: $input) {
      __typename
      ... on GenerateVideoPayload { replayed generation { id tags metadata } }
      ... on Error { code message }
      ... on InvalidInputError { fields { field message itemIndex } }
    }
  }
`;

const BY_TAG = `
  query ByTag($tag: String, $batchId: ID) {
    generations(first: 50, filter: { tag: $tag, batchId: $batchId }) { totalCount edges { node { id tags } } }
  }
`;

const SPENDING = `query { credits { spendingByTag { tag spentTodayUsd spentThisMonthUsd generations } } }`;

/** Tags and metadata over real HTTP (in-process yoga) against the Segmind stand-in. */
describeEachDatabase("tags and metadata", (target) => {
  let harness: Harness;
  const generateAs = async (key: string | null, patch: Record<string, unknown>) => {
    const response = await harness.gqlAs(key, GENERATE, { input: { ...VALID_INPUT, ...patch } });
    if (response.errors) throw new Error(JSON.stringify(response.errors));
    return response.data.generateVideo;
  };

  beforeAll(async () => {
    harness = await startHarness(target, { clientTimeoutMs: 20_000 });
  });
  afterAll(() => harness?.close());

  it("stores tags and metadata with the generation: API, audit entry, webhook payload", async () => {
    const team = await makeTeam(harness.db);
    const metadata = { customer: "c-42", nested: { take: 3, ok: true }, list: [1, "two"] };
    const result = await generateAs(team.key, { tags: ["campaign:spring-26", "web_app"], metadata });
    expect(result.__typename).toBe("GenerateVideoPayload");
    expect(result.generation.tags).toEqual(["campaign:spring-26", "web_app"]);
    expect(result.generation.metadata).toEqual(metadata);

    const id = localId(result.generation.id);
    await sealAudit(harness.db);
    const entry = await harness.db.auditEntry.findFirstOrThrow({ where: { action: "GENERATION_CREATED", subjectId: id } });
    expect(JSON.parse(entry.details).tags).toEqual(["campaign:spring-26", "web_app"]);
    const row = await harness.db.generation.findUniqueOrThrow({ where: { id } });
    expect(generationView(row, "http://gateway.test")).toMatchObject({ tags: ["campaign:spring-26", "web_app"], metadata, batchId: null });

    const plain = await generateAs(team.key, {});
    expect(plain.generation).toMatchObject({ tags: [], metadata: null });
  });

  describe("rules: refused with InvalidInputError, nothing stored", () => {
    it.each<[string, Record<string, unknown>, string]>([
      [`more than ${TAGS_MAX_COUNT} tags`, { tags: Array.from({ length: TAGS_MAX_COUNT + 1 }, (_, i) => `t${i}`) }, "tags"],
      ["an empty tag", { tags: [""] }, "tags"],
      [`a tag over ${TAG_MAX_LENGTH} characters`, { tags: ["x".repeat(TAG_MAX_LENGTH + 1)] }, "tags"],
      ["an uppercase tag", { tags: ["Spring"] }, "tags"],
      ["a tag with a space", { tags: ["two words"] }, "tags"],
      ["a tag starting with punctuation", { tags: ["-x"] }, "tags"],
      ["a repeated tag", { tags: ["a", "a"] }, "tags"],
      ["metadata that is an array", { metadata: [1, 2, 3] }, "metadata"],
      ["metadata that is a string", { metadata: "hello" }, "metadata"],
      [`metadata over ${METADATA_MAX_BYTES} bytes`, { metadata: { note: "é".repeat(METADATA_MAX_BYTES / 2) } }, "metadata"],
      ["metadata nested too deep", { metadata: { a: { b: { c: { d: { e: { f: 1 } } } } } } }, "metadata"],
    ])("%s", async (_name, patch, field) => {
      const before = await storedCounts(harness);
      const result = await generateAs(null, patch);
      expect(result.__typename).toBe("InvalidInputError");
      expect(result.fields.map((f: any) => f.field)).toEqual([field]);
      expect(result.fields[0].message).toMatch(/\w/);
      expect(await storedCounts(harness)).toEqual(before);
    });

    it(`accepts ${TAGS_MAX_COUNT} tags of ${TAG_MAX_LENGTH} characters and metadata of exactly ${METADATA_MAX_BYTES} bytes`, async () => {
      const tags = Array.from({ length: TAGS_MAX_COUNT }, (_, i) => `${i}`.padEnd(TAG_MAX_LENGTH, "x"));
      // {"k":"..."} is 8 bytes of JSON around the string.
      const metadata = { k: "v".repeat(METADATA_MAX_BYTES - 8) };
      expect(Buffer.byteLength(JSON.stringify(metadata))).toBe(METADATA_MAX_BYTES);
      const result = await generateAs(null, { tags, metadata });
      expect(result.__typename).toBe("GenerateVideoPayload");
      expect(result.generation.tags).toEqual(tags);
    });

    it("counts a batch's tags with each item's", async () => {
      const batchTags = Array.from({ length: 8 }, (_, i) => `b${i}`);
      const result = await generateVideosAs(harness, null, {
        items: [item({ tags: ["b0", "x"] }), item({ tags: ["x", "y", "z"] })],
        tags: batchTags,
      });
      expect(result.__typename).toBe("InvalidInputError");
      expect(result.fields.map((f: any) => [f.itemIndex, f.field])).toEqual([[1, "tags"]]);
    });
  });

  it("is part of the idempotency check (tag order and metadata key order are not)", async () => {
    const team = await makeTeam(harness.db);
    const first = await generateAs(team.key, { idempotencyKey: "labels", tags: ["a", "b"], metadata: { x: 1, y: 2 } });
    const same = await generateAs(team.key, { idempotencyKey: "labels", tags: ["b", "a"], metadata: { y: 2, x: 1 } });
    expect(same.replayed).toBe(true);
    expect(same.generation.id).toBe(first.generation.id);
    const other = await generateAs(team.key, { idempotencyKey: "labels", tags: ["a", "c"], metadata: { x: 1, y: 2 } });
    expect(other.__typename).toBe("IdempotencyConflictError");
    const otherMetadata = await generateAs(team.key, { idempotencyKey: "labels", tags: ["a", "b"], metadata: { x: 2, y: 2 } });
    expect(otherMetadata.__typename).toBe("IdempotencyConflictError");
  });

  it("filters generations by tag and by batch, the caller's team only", async () => {
    const alpha = await makeTeam(harness.db);
    const beta = await makeTeam(harness.db);
    const a1 = await generateAs(alpha.key, { tags: ["filter-me"] });
    await generateAs(alpha.key, { tags: ["other"] });
    const batch = await generateVideosAs(harness, alpha.key, { items: [item({ tags: ["solo"] }), item()], tags: ["filter-me"] });
    await generateAs(beta.key, { tags: ["filter-me"] });

    const listed = (await harness.gqlAs(alpha.key, BY_TAG, { tag: "filter-me" })).data.generations;
    expect(listed.totalCount).toBe(3);
    expect(listed.edges.map((e: any) => e.node.id).sort()).toEqual([a1.generation.id, ...batch.generations.map((g: any) => g.id)].sort());
    // The batch's tags come first, then the item's own.
    expect(batch.generations[0].tags).toEqual(["filter-me", "solo"]);
    expect(batch.batch.tags).toEqual(["filter-me"]);

    const inBatch = (await harness.gqlAs(alpha.key, BY_TAG, { batchId: batch.batch.id })).data.generations;
    expect(inBatch.totalCount).toBe(2);
    const both = (await harness.gqlAs(alpha.key, BY_TAG, { batchId: batch.batch.id, tag: "solo" })).data.generations;
    expect(both.edges.map((e: any) => e.node.id)).toEqual([batch.generations[0].id]);

    expect((await harness.gqlAs(beta.key, BY_TAG, { tag: "filter-me" })).data.generations.totalCount).toBe(1);
    expect((await harness.gqlAs(alpha.key, BY_TAG, { tag: "nobody-has-it" })).data.generations.totalCount).toBe(0);
  });

  it("groups spending by tag, today and this month, each team seeing its own", async () => {
    const alpha = await makeTeam(harness.db);
    const beta = await makeTeam(harness.db);
    const made = [
      await generateAs(alpha.key, { tags: ["ads"], seed: 1 }),
      await generateAs(alpha.key, { tags: ["ads", "hero"], seed: 2, duration: 10 }),
      (await generateVideosAs(harness, alpha.key, { items: [item()], seeds: [3, 4], tags: ["hero"] })).generations,
      await generateAs(alpha.key, { seed: 5 }), // untagged: in no group
      await generateAs(beta.key, { tags: ["ads"], seed: 6 }),
    ].flatMap((r) => (Array.isArray(r) ? r : [r.generation]));
    await Promise.all(made.map((g: any) => harness.waitForStatus(localId(g.id), ["SUCCEEDED"], 30_000)));

    // The stand-in reports Segmind's list prices: $0.091 for 5 s, $0.182 for 10 s (480p).
    const alphaSpending = (await harness.gqlAs(alpha.key, SPENDING)).data.credits.spendingByTag;
    expect(alphaSpending).toEqual([
      { tag: "hero", spentTodayUsd: 0.364, spentThisMonthUsd: 0.364, generations: 3 },
      { tag: "ads", spentTodayUsd: 0.273, spentThisMonthUsd: 0.273, generations: 2 },
    ]);
    const betaSpending = (await harness.gqlAs(beta.key, SPENDING)).data.credits.spendingByTag;
    expect(betaSpending).toEqual([{ tag: "ads", spentTodayUsd: 0.091, spentThisMonthUsd: 0.091, generations: 1 }]);
    // Anonymous callers have no budget ledger: nothing to group.
    expect((await harness.gqlAs(null, SPENDING)).data.credits.spendingByTag).toEqual([]);
  }, 60_000);
});
