import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PROMPT_MAX_LENGTH } from "../../src/generations/validation";
import { describeEachDatabase } from "../support/databases";
import { GENERATE_VIDEO, type Harness, VALID_INPUT, localId, startHarness } from "../support/harness";

describeEachDatabase("generateVideo", (target) => {
  let harness: Harness;
  let seeds: number[];

  beforeAll(async () => {
    seeds = [];
    // Seeds drawn in order from a list, so the test knows which seed the gateway "drew".
    harness = await startHarness(target, { drawSeed: () => seeds.shift() ?? 777 });
  });
  afterAll(() => harness?.close());
  beforeEach(async () => {
    await harness.gateway.services.worker.idle();
  });

  describe("validation: rejects before anything is stored or sent", () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ["an empty prompt", { prompt: "" }, "prompt"],
      ["a whitespace-only prompt", { prompt: " \n\t " }, "prompt"],
      ["an over-long prompt", { prompt: "x".repeat(PROMPT_MAX_LENGTH + 1) }, "prompt"],
      ["a non-http(s) URL", { imageUrl: "ftp://images.example.com/a.png" }, "imageUrl"],
      ["a javascript: URL", { imageUrl: "javascript:alert(1)" }, "imageUrl"],
      ["a data: URL", { imageUrl: "data:image/png;base64,AAAA" }, "imageUrl"],
      ["a malformed URL", { imageUrl: "https://" }, "imageUrl"],
      ["a relative URL", { imageUrl: "/images/a.png" }, "imageUrl"],
      ["a URL with credentials", { imageUrl: "https://user:pw@images.example.com/a.png" }, "imageUrl"],
      ["seed 0", { seed: 0 }, "seed"],
      ["seed 1000000", { seed: 1_000_000 }, "seed"],
      ["a negative seed", { seed: -5 }, "seed"],
      ["duration 7", { duration: 7 }, "duration"],
      ["duration 0", { duration: 0 }, "duration"],
      ["an idempotency key with spaces", { idempotencyKey: "my key" }, "idempotencyKey"],
      ["an over-long idempotency key", { idempotencyKey: "k".repeat(256) }, "idempotencyKey"],
    ];

    it.each(cases)("%s", async (_name, override, field) => {
      const before = await harness.db.generation.count();
      const submitsBefore = harness.standIn.stats.submitAttempts;
      const result = await harness.generate({ ...VALID_INPUT, ...override });
      expect(result.__typename).toBe("InvalidInputError");
      expect(result.code).toBe("INVALID_INPUT");
      expect(result.fields.map((f: { field: string }) => f.field)).toEqual([field]);
      expect(result.fields[0].message).toMatch(/\w/);
      expect(await harness.db.generation.count()).toBe(before);
      expect(harness.standIn.stats.submitAttempts).toBe(submitsBefore);
    });

    it("reports every offending field at once", async () => {
      const result = await harness.generate({ ...VALID_INPUT, prompt: "", seed: 0, duration: 3 });
      expect(result.fields.map((f: { field: string }) => f.field).sort()).toEqual(["duration", "prompt", "seed"]);
    });

    it("accepts the boundaries of every range", async () => {
      for (const override of [
        { seed: 1 },
        { seed: 999_999 },
        { prompt: "y".repeat(PROMPT_MAX_LENGTH) },
        { duration: 10, resolution: "HD_720P" },
        { imageUrl: "http://images.example.com/a.png" },
      ]) {
        const result = await harness.generate({ ...VALID_INPUT, ...override });
        expect(result.__typename, JSON.stringify(override)).toBe("GenerateVideoPayload");
      }
    });

    it("rejects a resolution outside the enum as a GraphQL validation error (nothing stored)", async () => {
      const before = await harness.db.generation.count();
      const response = await harness.gql(GENERATE_VIDEO, { input: { ...VALID_INPUT, resolution: "1080p" } });
      expect(response.data).toBeUndefined();
      expect(response.errors?.[0]?.message).toMatch(/Resolution/);
      expect(await harness.db.generation.count()).toBe(before);
    });

    it("stores a prompt with control characters and markup as given and echoes it safely", async () => {
      const prompt = "Robert'); DROP TABLE Generation;-- <script>alert(1)</script> \u0007 🌊";
      const result = await harness.generate({ ...VALID_INPUT, prompt });
      expect(result.generation.prompt).toBe(prompt);
      expect(JSON.parse(result.generation.upstreamRequestBody).prompt).toBe(prompt);
      expect(await harness.db.generation.count()).toBeGreaterThan(0);
    });
  });

  describe("seeds", () => {
    it("draws, records and sends a seed when the client gives none", async () => {
      seeds.push(31337);
      const { seed: _omitted, ...withoutSeed } = VALID_INPUT;
      const result = await harness.generate(withoutSeed);
      const generation = result.generation;
      expect(generation.seed).toBe(31337);
      expect(generation.seedSource).toBe("GATEWAY");
      expect(JSON.parse(generation.upstreamRequestBody).seed).toBe(31337);
      expect(generation.events[0].message).toContain("31337");

      const finished = await harness.waitForStatus(localId(generation.id), ["SUCCEEDED"]);
      expect(finished.upstreamSeed).toBe(31337);
    });

    it("keeps the client's seed and says so", async () => {
      const result = await harness.generate({ ...VALID_INPUT, seed: 123 });
      expect(result.generation.seed).toBe(123);
      expect(result.generation.seedSource).toBe("CLIENT");
    });

    it("reproduces: the same input and seed yield byte-identical videos", async () => {
      const a = await harness.generate({ ...VALID_INPUT, seed: 555 });
      const b = await harness.generate({ ...VALID_INPUT, seed: 555 });
      const c = await harness.generate({ ...VALID_INPUT, seed: 556 });
      const rows = await Promise.all(
        [a, b, c].map((r) => harness.waitForStatus(localId(r.generation.id), ["SUCCEEDED"])),
      );
      const [shaA, shaB, shaC] = rows.map((row) => row.videoSha256);
      expect(shaA).toMatch(/^[0-9a-f]{64}$/);
      expect(shaA).toBe(shaB);
      expect(shaC).not.toBe(shaA);
    });
  });

  describe("idempotency", () => {
    it("returns the existing generation for the same key and input: one row, one submit, one charge", async () => {
      const input = { ...VALID_INPUT, idempotencyKey: `same-${target.provider}` };
      const first = await harness.generate(input);
      await harness.waitForStatus(localId(first.generation.id), ["SUCCEEDED"]);
      const acceptedBefore = harness.standIn.stats.submitsAccepted;
      const balanceBefore = harness.standIn.balanceUsd();

      const second = await harness.generate(input);
      expect(second.__typename).toBe("GenerateVideoPayload");
      expect(second.replayed).toBe(true);
      expect(first.replayed).toBe(false);
      expect(second.generation.id).toBe(first.generation.id);
      await harness.gateway.services.worker.idle();
      expect(harness.standIn.stats.submitsAccepted).toBe(acceptedBefore);
      expect(harness.standIn.balanceUsd()).toBe(balanceBefore);
      expect(await harness.db.generation.count({ where: { idempotencyKey: input.idempotencyKey } })).toBe(1);
    });

    it("treats an omitted seed as part of the input: a retry matches, not conflicts", async () => {
      const { seed: _omitted, ...withoutSeed } = VALID_INPUT;
      const input = { ...withoutSeed, idempotencyKey: `drawn-${target.provider}` };
      const first = await harness.generate(input);
      const second = await harness.generate(input);
      expect(second.replayed).toBe(true);
      expect(second.generation.seed).toBe(first.generation.seed);
    });

    it("answers the same key with different input with a typed conflict, changing nothing", async () => {
      const key = `conflict-${target.provider}`;
      const first = await harness.generate({ ...VALID_INPUT, idempotencyKey: key });
      const count = await harness.db.generation.count();
      const conflict = await harness.generate({ ...VALID_INPUT, prompt: "something else", idempotencyKey: key });
      expect(conflict.__typename).toBe("IdempotencyConflictError");
      expect(conflict.code).toBe("IDEMPOTENCY_CONFLICT");
      expect(conflict.idempotencyKey).toBe(key);
      expect(conflict.existingGenerationId).toBe(first.generation.id);
      expect(await harness.db.generation.count()).toBe(count);
    });

    it("lets concurrent requests with one new key create exactly one generation", async () => {
      const input = { ...VALID_INPUT, idempotencyKey: `race-${target.provider}` };
      const results = await Promise.all(Array.from({ length: 8 }, () => harness.generate(input)));
      const ids = new Set(results.map((r) => r.generation.id));
      expect(ids.size).toBe(1);
      expect(results.filter((r) => !r.replayed)).toHaveLength(1);
      await harness.waitForStatus(localId([...ids][0] as string), ["SUCCEEDED"]);
      const rows = await harness.db.generation.findMany({ where: { idempotencyKey: input.idempotencyKey } });
      expect(rows).toHaveLength(1);
      expect(rows[0]?.attempts).toBe(1);
    });
  });
});

