import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeEachDatabase } from "../support/databases";
import { GENERATE_VIDEO, GENERATION_QUERY, type Harness, VALID_INPUT, localId, startHarness } from "../support/harness";

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** A client's view: GraphQL over real HTTP to a listening gateway. */
async function postGraphQL(baseUrl: string, query: string, variables: Record<string, unknown>) {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { data: any; errors?: unknown };
}

describeEachDatabase("the whole path over real HTTP", (target) => {
  for (const mode of ["v2", "v1"] as const) {
    describe(`Segmind ${mode}`, () => {
      let harness: Harness;
      let baseUrl: string;

      beforeAll(async () => {
        harness = await startHarness(target, { mode });
        baseUrl = await harness.listen();
      });
      afterAll(() => harness?.close());

      it("queues at once, succeeds, and serves the stored video with Range support", async () => {
        const created = await postGraphQL(baseUrl, GENERATE_VIDEO, { input: VALID_INPUT });
        expect(created.errors).toBeUndefined();
        const payload = created.data.generateVideo;
        expect(payload.__typename).toBe("GenerateVideoPayload");
        expect(payload.generation.status).toBe("QUEUED");
        expect(payload.generation.resultUrl).toBeNull();

        const id: string = payload.generation.id;
        await harness.waitForStatus(localId(id), ["SUCCEEDED", "FAILED"]);
        const { data } = await postGraphQL(baseUrl, GENERATION_QUERY, { id });
        const generation = data.generation;
        expect(generation.status).toBe("SUCCEEDED");
        expect(generation.upstream).toBe("sandbox");
        expect(generation.upstreamMode).toBe(mode);
        expect(generation.upstreamBaseUrl).toBe(harness.standIn.url);
        expect(generation.upstreamRequestId).toMatch(/^[0-9a-f-]{36}$/);
        expect(JSON.parse(generation.upstreamRequestBody)).toEqual({
          prompt: VALID_INPUT.prompt,
          image_url: VALID_INPUT.imageUrl,
          duration: 5,
          resolution: "480p",
          seed: 4242,
          camera_fixed: false,
        });
        expect(generation.upstreamSeed).toBe(4242);
        expect(generation.costUsd).toBeCloseTo(0.091, 6);
        expect(generation.remainingCreditsUsd).toBeCloseTo(harness.standIn.balanceUsd(), 6);
        expect(generation.resultUrl).toBe(`${baseUrl}/media/generations/${localId(id)}.mp4`);
        expect(generation.latencyMs).toBeGreaterThan(0);
        expect(generation.submittedAt).not.toBeNull();

        // The history shows each state change and each upstream exchange.
        const statuses = generation.events.filter((e: any) => e.type === "STATUS_CHANGED").map((e: any) => e.toStatus);
        expect(statuses[0]).toBe("QUEUED");
        expect(statuses.at(-1)).toBe("SUCCEEDED");
        expect(statuses).toContain("STORING");
        const calls = generation.events.filter((e: any) => e.type === "UPSTREAM_CALL");
        expect(calls[0]).toMatchObject({ method: "POST", httpStatus: 200 });
        expect(calls.every((call: any) => typeof call.durationMs === "number")).toBe(true);
        const sequences = generation.events.map((e: any) => e.sequence);
        expect(sequences).toEqual([...sequences].sort((a, b) => a - b));

        // The video: whole, then a Range a <video> element would ask for.
        const whole = await fetch(generation.resultUrl);
        expect(whole.status).toBe(200);
        expect(whole.headers.get("content-type")).toBe("video/mp4");
        expect(whole.headers.get("accept-ranges")).toBe("bytes");
        const bytes = new Uint8Array(await whole.arrayBuffer());
        expect(Number(whole.headers.get("content-length"))).toBe(bytes.length);
        expect(bytes.length).toBe(generation.videoBytes);
        expect(sha256(bytes)).toBe(generation.videoSha256);
        // A real MP4: an ftyp box first.
        expect(Buffer.from(bytes.subarray(4, 8)).toString("latin1")).toBe("ftyp");

        const partial = await fetch(generation.resultUrl, { headers: { range: "bytes=100-1123" } });
        expect(partial.status).toBe(206);
        expect(partial.headers.get("content-range")).toBe(`bytes 100-1123/${bytes.length}`);
        const slice = new Uint8Array(await partial.arrayBuffer());
        expect(slice.length).toBe(1024);
        expect(sha256(slice)).toBe(sha256(bytes.subarray(100, 1124)));
      });
    });
  }
});

