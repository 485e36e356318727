import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { GATEWAY_VERSION } from "../../src/version";
import { describeEachDatabase } from "../support/databases";
import { type Harness, VALID_INPUT, localId, startHarness } from "../support/harness";
import { FIRST_FRAME_PNG, FIRST_FRAME_SHA256, type ImageHost, startImageHost } from "./support";
import { deferred } from "../support/deferred";

const MANIFEST = `
  query Manifest($id: ID!) {
    generation(id: $id) {
      id status
      events { type errorCode message }
      manifest {
        modelSlug upstream upstreamMode upstreamBaseUrl upstreamRequestBody
        requestedSeed seedSource seed upstreamSeed gatewayVersion
        imageUrl imageSha256 imageBytes videoSha256 videoBytes videoContentType createdAt
      }
    }
  }
`;

const FRAME_URL = "https://images.example.com/frame.png";

describeEachDatabase("a generation's manifest", (target) => {
  let h: Harness;
  let images: ImageHost;

  beforeAll(async () => {
    images = await startImageHost();
    h = await startHarness(target, { imageFetcher: images.fetcher, drawSeed: () => 31337 });
  });
  afterAll(async () => {
    await h?.close();
    await images?.close();
  });

  const manifestOf = async (id: string) => {
    const result = await h.gql(MANIFEST, { id });
    expect(result.errors).toBeUndefined();
    return result.data.generation;
  };

  it("is complete for a succeeded generation: model, exact body, seeds, version, first frame and video fingerprints", async () => {
    const id = localId((await h.generate({ ...VALID_INPUT, imageUrl: FRAME_URL, seed: 4242 })).generation.id);
    const row = await h.waitForStatus(id, ["SUCCEEDED", "FAILED"]);
    expect(row.status).toBe("SUCCEEDED");
    const { manifest, events } = await manifestOf(id);
    const stored = readFileSync(join(h.mediaDir, row.mediaKey as string));
    expect(manifest).toEqual({
      modelSlug: "seedance-v1-lite-image-to-video",
      upstream: "sandbox",
      upstreamMode: "v2",
      upstreamBaseUrl: h.standIn.url,
      upstreamRequestBody: row.upstreamRequestBody,
      requestedSeed: 4242,
      seedSource: "CLIENT",
      seed: 4242,
      upstreamSeed: 4242,
      gatewayVersion: GATEWAY_VERSION,
      imageUrl: FRAME_URL,
      imageSha256: FIRST_FRAME_SHA256,
      imageBytes: FIRST_FRAME_PNG.length,
      videoSha256: createHash("sha256").update(stored).digest("hex"),
      videoBytes: stored.length,
      videoContentType: "video/mp4",
      createdAt: row.createdAt.toISOString(),
    });
    expect(JSON.parse(manifest.upstreamRequestBody)).toEqual({
      prompt: VALID_INPUT.prompt,
      image_url: FRAME_URL,
      duration: 5,
      resolution: "480p",
      seed: 4242,
      camera_fixed: false,
    });
    expect(GATEWAY_VERSION).toBe(JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version);
    // Fetched once, before the submit; a fingerprint that worked leaves no note.
    expect(images.requests).toEqual(["/frame.png"]);
    expect(events.filter((e: { type: string }) => e.type === "NOTE")).toEqual([]);
  });

  it("says the seed was drawn: no requested seed, the drawn one sent", async () => {
    const { seed: _none, ...withoutSeed } = VALID_INPUT;
    const id = localId((await h.generate({ ...withoutSeed, imageUrl: FRAME_URL })).generation.id);
    await h.waitForStatus(id, ["SUCCEEDED"]);
    const { manifest } = await manifestOf(id);
    expect(manifest).toMatchObject({ requestedSeed: null, seedSource: "GATEWAY", seed: 31337, upstreamSeed: 31337 });
    expect(JSON.parse(manifest.upstreamRequestBody).seed).toBe(31337);
  });

  it("a first frame that cannot be fetched leaves the fingerprint null, says why, and the generation goes on", async () => {
    const id = localId((await h.generate({ ...VALID_INPUT, imageUrl: "https://images.example.com/missing.png" })).generation.id);
    const row = await h.waitForStatus(id, ["SUCCEEDED", "FAILED"]);
    expect(row.status).toBe("SUCCEEDED");
    const { manifest, events } = await manifestOf(id);
    expect(manifest).toMatchObject({ imageSha256: null, imageBytes: null, videoSha256: row.videoSha256 });
    const notes = events.filter((e: { type: string }) => e.type === "NOTE");
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ errorCode: "IMAGE_NOT_FINGERPRINTED" });
    expect(notes[0].message).toContain("HTTP 404");
  });

  it("a cancel during a slow first-frame fetch ends it at once: nothing submitted, nothing noted", async () => {
    const started = deferred();
    const hanging = (_url: string, signal: AbortSignal) =>
      new Promise<never>((_resolve, reject) => {
        started.resolve();
        signal.addEventListener("abort", () => reject(signal.reason));
      });
    const slow = await startHarness(target, { imageFetcher: hanging });
    try {
      const id = localId((await slow.generate({ ...VALID_INPUT, imageUrl: FRAME_URL })).generation.id);
      await started.promise;
      const canceled = await slow.gql(`mutation($id: ID!) { cancelGeneration(id: $id) { __typename } }`, { id });
      expect(canceled.data.cancelGeneration.__typename).toBe("CancelGenerationPayload");
      const stoppedAt = Date.now();
      await slow.gateway.services.worker.idle();
      expect(Date.now() - stoppedAt).toBeLessThan(1_000);
      expect(slow.standIn.stats.submitAttempts).toBe(0);
      const row = await slow.db.generation.findUniqueOrThrow({ where: { id }, include: { events: true } });
      expect(row.status).toBe("CANCELED");
      expect(row.imageSha256).toBeNull();
      expect(row.events.filter((event) => event.type === "NOTE")).toEqual([]);
    } finally {
      await slow.close();
    }
  });

  it("is there from the start: a queued generation's manifest already has the body and seed", async () => {
    const paused = await startHarness(target, { start: false, imageFetcher: images.fetcher });
    try {
      const id = localId((await paused.generate({ ...VALID_INPUT, imageUrl: FRAME_URL, seed: 7 })).generation.id);
      const result = await paused.gql(MANIFEST, { id });
      expect(result.data.generation.status).toBe("QUEUED");
      expect(result.data.generation.manifest).toMatchObject({
        seed: 7,
        requestedSeed: 7,
        upstreamSeed: null,
        imageSha256: null,
        videoSha256: null,
        gatewayVersion: GATEWAY_VERSION,
      });
      expect(JSON.parse(result.data.generation.manifest.upstreamRequestBody).seed).toBe(7);
    } finally {
      await paused.close();
    }
  });
});
