import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { setTeamBudget } from "../../src/auth/manage";
import { describeEachDatabase } from "../support/databases";
import { GENERATE_VIDEO, type Harness, VALID_INPUT, localId, startHarness } from "../support/harness";
import { type SeededTeam, manageDeps, seedTeam } from "../support/teams";
import { type ImageHost, startImageHost } from "./support";
import { sealAudit } from "../../src/audit/seal";

const REGENERATE = `
  mutation Regenerate($id: ID!, $overrides: RegenerateOverrides) {
    regenerateVideo(id: $id, overrides: $overrides) {
      __typename
      ... on RegenerateVideoPayload {
        replayed
        source { id }
        generation { id status seed seedSource upstreamRequestBody derivedFrom { id } }
      }
      ... on Error { code message }
      ... on InvalidInputError { fields { field message } }
      ... on BudgetExceededError { limit scope }
      ... on GenerationNotFoundError { generationId }
    }
  }
`;

const LINEAGE = `
  query Lineage($id: ID!) {
    generation(id: $id) {
      id status videoSha256 resultUrl
      manifest { seed imageSha256 videoSha256 upstreamRequestBody }
      derivedFrom { id }
      derivations { id derivedFrom { id } }
    }
  }
`;

const ORIGIN = `
  query Origin($resultUrl: String, $sha256: String) {
    videoOrigin(resultUrl: $resultUrl, sha256: $sha256) { id status }
  }
`;

const FRAME_URL = "https://images.example.com/frame.png";

describeEachDatabase("regenerateVideo, derivedFrom/derivations and videoOrigin", (target) => {
  let h: Harness;
  let images: ImageHost;
  let alpha: SeededTeam;
  let beta: SeededTeam;
  let ops: SeededTeam;
  let gen: string;
  let source: string; // a succeeded generation of team alpha, seed 4242
  let sourceGlobal: string;

  beforeAll(async () => {
    images = await startImageHost();
    // No periodic sweeps: the batching test counts every database operation, the worker's too.
    h = await startHarness(target, {
      imageFetcher: images.fetcher,
      worker: { sweepIntervalMs: 3_600_000 },
    });
    alpha = await seedTeam(h.db, "alpha", { gen: "generate,read", reader: "read" });
    beta = await seedTeam(h.db, "beta", { gen: "generate,read" });
    ops = await seedTeam(h.db, "ops", { root: "admin" });
    gen = alpha.keys.gen as string;
    const created = await h.gqlAs(gen, GENERATE_VIDEO, { input: { ...VALID_INPUT, imageUrl: FRAME_URL, seed: 4242 } });
    sourceGlobal = created.data.generateVideo.generation.id;
    source = localId(sourceGlobal);
    expect((await h.waitForStatus(source, ["SUCCEEDED", "FAILED"])).status).toBe("SUCCEEDED");
  });
  afterAll(async () => {
    await h?.close();
    await images?.close();
  });

  const regenerate = async (id: string, overrides?: Record<string, unknown>, key: string | null = gen) => {
    const result = await h.gqlAs(key, REGENERATE, { id, overrides });
    expect(result.errors).toBeUndefined();
    return result.data.regenerateVideo;
  };
  const lineage = async (id: string, key: string | null = gen) => (await h.gqlAs(key, LINEAGE, { id })).data.generation;
  const origin = async (variables: Record<string, unknown>, key: string | null = gen) => h.gqlAs(key, ORIGIN, variables);

  it("with no overrides: the same body and seed, a byte-identical video, linked both ways", async () => {
    const payload = await regenerate(sourceGlobal);
    expect(payload.__typename).toBe("RegenerateVideoPayload");
    expect(payload.replayed).toBe(false);
    expect(payload.source.id).toBe(sourceGlobal);
    expect(payload.generation).toMatchObject({ status: "QUEUED", seed: 4242, derivedFrom: { id: sourceGlobal } });
    const derived = localId(payload.generation.id);
    const [original, copy] = [await h.db.generation.findUniqueOrThrow({ where: { id: source } }), await h.waitForStatus(derived, ["SUCCEEDED", "FAILED"])];
    expect(copy.status).toBe("SUCCEEDED");
    expect(copy.upstreamRequestBody).toBe(original.upstreamRequestBody);
    expect(copy.derivedFromId).toBe(source);
    expect(copy.teamId).toBe(alpha.id);
    // Same input and seed: the same bytes, stored as two files.
    expect(copy.mediaKey).not.toBe(original.mediaKey);
    const bytes = (row: typeof copy) => readFileSync(join(h.mediaDir, row.mediaKey as string));
    expect(bytes(copy).equals(bytes(original))).toBe(true);
    expect(copy.videoSha256).toBe(original.videoSha256);

    const view = await lineage(sourceGlobal);
    expect(view.derivedFrom).toBeNull();
    expect(view.derivations).toEqual([{ id: payload.generation.id, derivedFrom: { id: sourceGlobal } }]);
    const copyView = await lineage(payload.generation.id);
    expect(copyView.manifest).toMatchObject({ seed: 4242, videoSha256: view.videoSha256, imageSha256: view.manifest.imageSha256 });

    // Audited like any creation, with its lineage (chained once committed: src/audit/seal.ts).
    await sealAudit(h.db);
    const created = await h.db.auditEntry.findFirstOrThrow({ where: { subjectId: derived, action: "GENERATION_CREATED" } });
    expect(JSON.parse(created.details)).toMatchObject({ derivedFromId: source, seed: 4242 });
  });

  it("overrides change only what they name; another seed gives another video", async () => {
    const reseeded = await regenerate(source, { seed: 99 });
    expect(reseeded.generation.seed).toBe(99);
    const original = JSON.parse((await h.db.generation.findUniqueOrThrow({ where: { id: source } })).upstreamRequestBody);
    expect(JSON.parse(reseeded.generation.upstreamRequestBody)).toEqual({ ...original, seed: 99 });
    const row = await h.waitForStatus(localId(reseeded.generation.id), ["SUCCEEDED"]);
    expect(row.videoSha256).not.toBe((await h.db.generation.findUniqueOrThrow({ where: { id: source } })).videoSha256);

    const reshaped = await regenerate(source, {
      prompt: "The same boat, at dusk",
      duration: 10,
      resolution: "HD_720P",
      cameraFixed: true,
      imageUrl: "https://images.example.com/other.png",
    });
    expect(JSON.parse(reshaped.generation.upstreamRequestBody)).toEqual({
      prompt: "The same boat, at dusk",
      image_url: "https://images.example.com/other.png",
      duration: 10,
      resolution: "720p",
      seed: 4242,
      camera_fixed: true,
    });
    expect(reshaped.generation.derivedFrom.id).toBe(sourceGlobal);
    await h.waitForStatus(localId(reshaped.generation.id), ["SUCCEEDED"]);
  });

  it("validates overrides like generateVideo, storing nothing", async () => {
    const before = await h.db.generation.count();
    const payload = await regenerate(source, { seed: 0, prompt: " " });
    expect(payload.__typename).toBe("InvalidInputError");
    expect(payload.fields.map((f: { field: string }) => f.field).sort()).toEqual(["prompt", "seed"]);
    expect(await h.db.generation.count()).toBe(before);
  });

  it("replays with the same idempotency key", async () => {
    const first = await regenerate(source, { idempotencyKey: "again-1" });
    const second = await regenerate(source, { idempotencyKey: "again-1" });
    expect(second).toMatchObject({ replayed: true, generation: { id: first.generation.id } });
    await h.waitForStatus(localId(first.generation.id), ["SUCCEEDED"]);
  });

  it("a regeneration of a regeneration links to its own source", async () => {
    const child = await regenerate(source);
    const grandchild = await regenerate(child.generation.id);
    expect(grandchild.generation.derivedFrom.id).toBe(child.generation.id);
    const view = await lineage(child.generation.id);
    expect(view.derivedFrom.id).toBe(sourceGlobal);
    expect(view.derivations.map((d: { id: string }) => d.id)).toEqual([grandchild.generation.id]);
    await h.waitForStatus(localId(grandchild.generation.id), ["SUCCEEDED"]);
  });

  it("an unknown or invisible source is not found; a key without `generate` is FORBIDDEN", async () => {
    for (const [id, key] of [
      ["01900000-0000-7000-8000-000000000000", gen],
      [source, beta.keys.gen as string],
      [source, null],
    ] as const) {
      const payload = await regenerate(id, undefined, key);
      expect(payload).toMatchObject({ __typename: "GenerationNotFoundError", code: "NOT_FOUND", generationId: id });
    }
    const forbidden = await h.gqlAs(alpha.keys.reader as string, REGENERATE, { id: source });
    expect(forbidden.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    // Invisible derivations are not shown either.
    expect(await lineage(sourceGlobal, beta.keys.gen as string)).toBeNull();
  });

  it("runs under the caller's budget: an admin's regeneration is the admin team's; a team over budget is refused", async () => {
    const byAdmin = await regenerate(source, undefined, ops.keys.root as string);
    expect(byAdmin.__typename).toBe("RegenerateVideoPayload");
    const row = await h.db.generation.findUniqueOrThrow({ where: { id: localId(byAdmin.generation.id) } });
    expect(row.teamId).toBe(ops.id);
    expect(row.derivedFromId).toBe(source);
    await h.waitForStatus(row.id, ["SUCCEEDED"]);
    // alpha cannot see ops' derivation of its own generation.
    expect((await lineage(sourceGlobal)).derivations.map((d: { id: string }) => d.id)).not.toContain(byAdmin.generation.id);

    await h.gateway.services.worker.idle();
    await setTeamBudget(manageDeps(h.db), "alpha", { dailyLimitUsd: 0.01 });
    try {
      const before = await h.db.generation.count();
      const refused = await regenerate(source);
      expect(refused).toMatchObject({ __typename: "BudgetExceededError", code: "BUDGET_EXCEEDED", limit: "DAILY_USD", scope: "TEAM" });
      expect(await h.db.generation.count()).toBe(before);
    } finally {
      await setTeamBudget(manageDeps(h.db), "alpha", { dailyLimitUsd: null });
    }
  });

  it("loads derivedFrom and derivations in batches: the same queries for a page of 2 or of 20", async () => {
    const PAGE = `query($first: Int) { generations(first: $first) { edges { node { id derivedFrom { id } derivations { id } } } } }`;
    const admin = ops.keys.root as string;
    const operations = async (first: number) => {
      await h.gqlAs(admin, PAGE, { first }); // warm-up (lastUsedAt, caches)
      h.queries.length = 0;
      const result = await h.gqlAs(admin, PAGE, { first });
      expect(result.errors).toBeUndefined();
      return { count: result.data.generations.edges.length, ops: h.queries.map((q) => `${q.model}.${q.operation}`).sort() };
    };
    const small = await operations(2);
    const large = await operations(20);
    expect(large.count).toBeGreaterThan(small.count);
    // The page, the derivations (one batch) and the derivedFrom rows not already on the page
    // (one batch; none when the page holds them all): never one query per row.
    for (const { ops } of [small, large]) {
      const generationOps = ops.filter((op) => op.startsWith("Generation."));
      expect(generationOps.every((op) => op === "Generation.findMany")).toBe(true);
      expect(generationOps.length).toBeGreaterThanOrEqual(2);
      expect(generationOps.length).toBeLessThanOrEqual(3);
      expect(ops.filter((op) => !op.startsWith("Generation."))).toEqual(["ApiKey.findUnique"]);
    }
  });

  it("videoOrigin answers from a result URL (or its path) or a sha256, earliest producer first, visible ones only", async () => {
    const view = await lineage(sourceGlobal);
    expect((await origin({ resultUrl: view.resultUrl })).data.videoOrigin).toEqual({ id: sourceGlobal, status: "SUCCEEDED" });
    expect((await origin({ resultUrl: new URL(view.resultUrl).pathname })).data.videoOrigin.id).toBe(sourceGlobal);
    // The regenerations made the same bytes; the sha names the earliest producer.
    expect((await origin({ sha256: view.videoSha256 })).data.videoOrigin.id).toBe(sourceGlobal);
    expect((await origin({ sha256: view.videoSha256.toUpperCase() })).data.videoOrigin.id).toBe(sourceGlobal);
    const derived = view.derivations[0].id;
    const derivedUrl = (await lineage(derived)).resultUrl;
    expect((await origin({ resultUrl: derivedUrl })).data.videoOrigin.id).toBe(derived);

    expect((await origin({ sha256: "0".repeat(64) })).data.videoOrigin).toBeNull();
    expect((await origin({ resultUrl: `${new URL(view.resultUrl).origin}/media/generations/01900000-0000-7000-8000-000000000000.mp4` })).data.videoOrigin).toBeNull();
    // Another team cannot learn whose video it is.
    expect((await origin({ resultUrl: view.resultUrl }, beta.keys.gen as string)).data.videoOrigin).toBeNull();
    expect((await origin({ sha256: view.videoSha256 }, beta.keys.gen as string)).data.videoOrigin).toBeNull();
    expect((await origin({ sha256: view.videoSha256 }, ops.keys.root as string)).data.videoOrigin.id).toBe(sourceGlobal);

    for (const variables of [{}, { resultUrl: view.resultUrl, sha256: view.videoSha256 }, { sha256: "abc" }, { resultUrl: "https://example.com/video.mp4" }]) {
      const result = await origin(variables);
      expect(result.errors?.[0]?.extensions?.code, JSON.stringify(variables)).toBe("BAD_USER_INPUT");
    }
  });
});
