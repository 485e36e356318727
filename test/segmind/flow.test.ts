import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAIL_MARKER, type SegmindStandIn } from "../../src/sandbox/standin";
import type { JobStatus, SeedanceRequestBody, SegmindClient, UpstreamJobStatus } from "../../src/segmind/types";
import { API_KEY, callRecorder, clientFor, expectSegmindError, pollUntil, readAll, requestBody, sha256, startStandIn } from "./helpers";

const PHASE_ORDER: UpstreamJobStatus[] = ["QUEUED", "PROCESSING", "COMPLETED", "FAILED"];

let standIn: SegmindStandIn;
let client: SegmindClient;

beforeAll(async () => {
  standIn = await startStandIn({ balanceUsd: 10, freeCreditsUsd: 0.5, jobDurationMs: 300 });
  client = clientFor(standIn);
});
afterAll(() => standIn.close());

/** Submits and polls to the end, recording every status seen (in order, without repeats). */
async function runToEnd(body = requestBody()): Promise<{ requestId: string; seen: UpstreamJobStatus[]; final: JobStatus }> {
  const { requestId } = await client.submit(body);
  const seen: UpstreamJobStatus[] = [];
  const final = await pollUntil(
    () => client.getStatus(requestId),
    (status) => {
      if (seen.at(-1) !== status.status) seen.push(status.status);
      return status.status === "COMPLETED" || status.status === "FAILED";
    },
  );
  return { requestId, seen, final };
}

/** Walks the top-level MP4 boxes (or a container box's children); throws if their sizes do not add up. */
function topLevelBoxes(bytes: Buffer): { type: string; payload: Buffer }[] {
  const boxes: { type: string; payload: Buffer }[] = [];
  for (let offset = 0; offset < bytes.length; ) {
    const size = bytes.readUInt32BE(offset);
    if (size < 8 || offset + size > bytes.length) throw new Error(`bad box size ${size} at ${offset}`);
    boxes.push({ type: bytes.toString("latin1", offset + 4, offset + 8), payload: bytes.subarray(offset + 8, offset + size) });
    offset += size;
  }
  return boxes;
}

/** What a player reads from an MP4: the movie's duration (mvhd) and the video track's size (tkhd). */
function mp4Shape(bytes: Buffer): { seconds: number; width: number; height: number } {
  const moov = topLevelBoxes(bytes).find((box) => box.type === "moov")!.payload;
  const mvhd = topLevelBoxes(moov).find((box) => box.type === "mvhd")!.payload;
  const version = mvhd[0];
  // version 0: 4 bytes each of creation, modification, timescale, duration; version 1: 8, 8, 4, 8.
  const timescale = version === 1 ? mvhd.readUInt32BE(20) : mvhd.readUInt32BE(12);
  const duration = version === 1 ? Number(mvhd.readBigUInt64BE(24)) : mvhd.readUInt32BE(16);
  const trak = topLevelBoxes(moov).find((box) => box.type === "trak")!.payload;
  const tkhd = topLevelBoxes(trak).find((box) => box.type === "tkhd")!.payload;
  // width and height are the last 8 bytes, 16.16 fixed point.
  const width = tkhd.readUInt32BE(tkhd.length - 8) / 65536;
  const height = tkhd.readUInt32BE(tkhd.length - 4) / 65536;
  return { seconds: duration / timescale, width, height };
}

async function downloadResult(requestId: string): Promise<Buffer> {
  const result = await client.getResult(requestId);
  const download = await client.download(result.outputUrl);
  const bytes = await readAll(download.body);
  expect(download.contentLength).toBe(bytes.length);
  return bytes;
}

describe("v2 async flow against the stand-in", () => {
  it("goes QUEUED -> PROCESSING -> COMPLETED in real time", async () => {
    const { seen, final } = await runToEnd();
    // Polls may miss a short phase under load; the order must hold and it must finish.
    expect(["QUEUED", "PROCESSING", "COMPLETED"]).toEqual(expect.arrayContaining(seen));
    expect(seen).toEqual([...seen].sort((a, b) => PHASE_ORDER.indexOf(a) - PHASE_ORDER.indexOf(b)));
    expect(final).toEqual({ status: "COMPLETED" });
  });

  it("derives the phase from its clock: QUEUED for the first 20 %, then PROCESSING, then COMPLETED", async () => {
    let clock = Date.parse("2026-11-24T12:00:00Z");
    const timed = await startStandIn({ jobDurationMs: 1000, now: () => clock });
    try {
      const timedClient = clientFor(timed);
      const { requestId } = await timedClient.submit(requestBody());
      expect(await timedClient.getStatus(requestId)).toEqual({ status: "QUEUED" });
      clock += 199;
      expect(await timedClient.getStatus(requestId)).toEqual({ status: "QUEUED" });
      clock += 1;
      expect(await timedClient.getStatus(requestId)).toEqual({ status: "PROCESSING" });
      clock += 799;
      expect(await timedClient.getStatus(requestId)).toEqual({ status: "PROCESSING" });
      clock += 1;
      expect(await timedClient.getStatus(requestId)).toEqual({ status: "COMPLETED" });
      expect(timed.stats).toMatchObject({ submitAttempts: 1, submitsAccepted: 1, statusPolls: 5 });
    } finally {
      await timed.close();
    }
  });

  it("makes the video the request asked for: 5 or 10 seconds, 854x480 or 1280x720", async () => {
    const sizes = { "480p": [854, 480], "720p": [1280, 720] } as const;
    for (const resolution of ["480p", "720p"] as const) {
      for (const duration of [5, 10] as const) {
        const { requestId } = await runToEnd(requestBody({ resolution, duration }));
        const bytes = await downloadResult(requestId);
        const [width, height] = sizes[resolution];
        expect(mp4Shape(bytes), `${resolution} ${duration} s`).toEqual({ seconds: duration, width, height });
        // Still small: a 10 s 720p video is well under 100 kB.
        expect(bytes.length).toBeLessThan(100_000);
      }
    }
  });

  it("serves a result and a playable MP4 for a completed job", async () => {
    const before = standIn.balanceUsd();
    const { requestId } = await runToEnd();
    const result = await client.getResult(requestId);
    expect(result.outputUrl).toBe(`${standIn.url}/outputs/${requestId}.mp4`);
    expect(result).toMatchObject({ contentType: "video/mp4", seed: 4242, costUsd: 0.091 });
    expect(result.remainingCreditsUsd).toBeCloseTo(before - 0.091, 9);
    expect(result.inferenceTimeS).toBeGreaterThan(0);
    // The whole time, queue included: what the poll schedule learns jobs take (progress.ts).
    expect(result.totalTimeS).toBeGreaterThan(result.inferenceTimeS as number);

    const download = await client.download(result.outputUrl);
    const bytes = await readAll(download.body);
    expect(download.contentType).toBe("video/mp4");
    expect(bytes.length).toBe(result.fileSize);
    // Top-level boxes tile the file exactly (players need that), the last one being the stamp.
    const boxes = topLevelBoxes(bytes);
    expect(boxes.map((box) => box.type)).toEqual(["ftyp", "moov", "free", "mdat", "free"]);
    const body = requestBody();
    const canonical = JSON.stringify({
      prompt: body.prompt,
      first_frame_url: body.image_url,
      duration: body.duration,
      resolution: body.resolution,
      seed: body.seed,
      camera_fixed: body.camera_fixed,
    });
    expect(boxes.at(-1)!.payload.toString("utf8")).toBe(
      `seedance-sandbox\nrequest-sha256=${sha256(Buffer.from(canonical))}\nseed=4242\n`,
    );
  });

  it("renders byte-identical videos for identical requests and different ones for another seed", async () => {
    const [first, second, otherSeed] = await Promise.all([runToEnd(), runToEnd(), runToEnd(requestBody({ seed: 4243 }))]);
    const [a, b, c] = await Promise.all([first, second, otherSeed].map((run) => downloadResult(run.requestId)));
    expect(first.requestId).not.toBe(second.requestId);
    expect(sha256(a!)).toBe(sha256(b!));
    expect(sha256(c!)).not.toBe(sha256(a!));
  });

  it("serves the 720p fixture for 720p requests and prices them accordingly", async () => {
    const { requestId } = await runToEnd(requestBody({ resolution: "720p", duration: 10 }));
    const result = await client.getResult(requestId);
    expect(result.costUsd).toBe(0.45);
    const bytes = await downloadResult(requestId);
    const bytes480 = await downloadResult((await runToEnd()).requestId);
    expect(bytes.length).toBeGreaterThan(bytes480.length);
  });

  it("pads every output with outputPaddingBytes zero bytes in a free box before the stamp, reporting the real size", async () => {
    const padding = 3 * 1024 * 1024;
    const padded = await startStandIn({ outputPaddingBytes: padding, jobDurationMs: 50 });
    try {
      const paddedClient = clientFor(padded);
      const { requestId } = await paddedClient.submit(requestBody());
      await pollUntil(() => paddedClient.getStatus(requestId), (status) => status.status === "COMPLETED");
      const result = await paddedClient.getResult(requestId);
      const download = await paddedClient.download(result.outputUrl);
      const bytes = await readAll(download.body);
      const plain = await downloadResult((await runToEnd()).requestId);
      expect(bytes.length).toBe(plain.length + 8 + padding);
      expect(result.fileSize).toBe(bytes.length);
      const boxes = topLevelBoxes(bytes);
      expect(boxes.map((box) => box.type)).toEqual(["ftyp", "moov", "free", "mdat", "free", "free"]);
      expect(boxes.at(-2)!.payload.equals(Buffer.alloc(padding))).toBe(true);
      // The same input and seed still give the same stamp, so the same manifest story holds.
      expect(boxes.at(-1)!.payload.equals(topLevelBoxes(plain).at(-1)!.payload)).toBe(true);
    } finally {
      await padded.close();
    }
  });

  it("setOutputPadding changes the padding of what it serves from then on", async () => {
    const padded = await startStandIn({ jobDurationMs: 50 });
    try {
      const paddedClient = clientFor(padded);
      const sizes: number[] = [];
      for (const padding of [0, 1024]) {
        padded.setOutputPadding(padding);
        const { requestId } = await paddedClient.submit(requestBody());
        await pollUntil(() => paddedClient.getStatus(requestId), (status) => status.status === "COMPLETED");
        const result = await paddedClient.getResult(requestId);
        const bytes = await readAll((await paddedClient.download(result.outputUrl)).body);
        expect(result.fileSize).toBe(bytes.length);
        sizes.push(bytes.length);
      }
      expect(sizes[1]).toBe((sizes[0] as number) + 8 + 1024);
    } finally {
      await padded.close();
    }
  });

  it("derives a stable seed from the request id when none was sent", async () => {
    const { seed: _omitted, ...withoutSeed } = requestBody();
    // The gateway always sends a seed; Segmind's protocol lets it be absent.
    const { requestId } = await runToEnd(withoutSeed as SeedanceRequestBody);
    const first = await client.getResult(requestId);
    const again = await client.getResult(requestId);
    expect(first.seed).toBeGreaterThanOrEqual(1);
    expect(first.seed).toBeLessThanOrEqual(999_999);
    expect(again.seed).toBe(first.seed);
  });

  it("reports every exchange once, with path and request id but never the key", async () => {
    const recorder = callRecorder();
    const { requestId } = await client.submit(requestBody(), recorder);
    await client.getStatus(requestId, recorder);
    await client.getCredits(recorder);
    expect(recorder.calls).toEqual([
      { method: "POST", path: "/v2/seedance-v1-lite-image-to-video", httpStatus: 200, durationMs: expect.any(Number), requestId },
      { method: "GET", path: `/v2/requests/${requestId}/status`, httpStatus: 200, durationMs: expect.any(Number), requestId },
      { method: "GET", path: "/v1/get-user-credits", httpStatus: 200, durationMs: expect.any(Number) },
    ]);
    expect(JSON.stringify(recorder.calls)).not.toContain(API_KEY);
  });

  it("answers a not-yet-finished result without output, which the client refuses as malformed", async () => {
    const slow = await startStandIn({ jobDurationMs: 60_000 });
    try {
      const slowClient = clientFor(slow);
      const { requestId } = await slowClient.submit(requestBody());
      const error = await expectSegmindError(slowClient.getResult(requestId), "MALFORMED_RESPONSE");
      expect(error.message).toContain("not finished");
    } finally {
      await slow.close();
    }
  });
});

describe("credits", () => {
  it("reads credits and free credits, and the balance goes down by the price of each accepted job", async () => {
    const before = await client.getCredits();
    expect(before.credits).toBeCloseTo(standIn.balanceUsd(), 9);
    expect(before.freeCredits).toBe(0.5);

    await client.submit(requestBody({ resolution: "720p", duration: 5 }));
    const after = await client.getCredits();
    expect(after.credits).toBeCloseTo(before.credits - 0.225, 9);
  });
});

describe("the failure marker", () => {
  it(`makes a v2 job end FAILED (422 on status and result) and refunds it`, async () => {
    const before = standIn.balanceUsd();
    const { requestId, final } = await runToEnd(requestBody({ prompt: `a storm ${FAIL_MARKER}` }));
    expect(final.status).toBe("FAILED");
    expect(final.error).toBe(`Generation failed: content rejected by the model (${FAIL_MARKER})`);
    const recorder = callRecorder();
    await client.getStatus(requestId, recorder);
    expect(recorder.calls[0]).toMatchObject({ httpStatus: 422, requestId });
    expect(recorder.calls[0]!.errorKind).toBeUndefined();

    const error = await expectSegmindError(client.getResult(requestId), "JOB_FAILED");
    expect(error).toMatchObject({ httpStatus: 422, upstreamMessage: final.error });
    expect(error.transient).toBe(false);
    expect(standIn.balanceUsd()).toBeCloseTo(before, 9);
  });

  it("makes a v1 sync call answer 500, unbilled", async () => {
    const before = standIn.balanceUsd();
    const error = await expectSegmindError(client.runSync(requestBody({ prompt: `x ${FAIL_MARKER}` })), "SERVER_ERROR");
    expect(error.upstreamMessage).toContain(FAIL_MARKER);
    expect(error.notAccepted).toBe(true);
    expect(standIn.balanceUsd()).toBeCloseTo(before, 9);
  });
});

describe("v1 sync", () => {
  it("answers raw MP4 bytes with Segmind's accounting headers, billed once", async () => {
    const before = standIn.balanceUsd();
    const billedBefore = standIn.stats.syncsBilled;
    const recorder = callRecorder();
    const result = await client.runSync(requestBody({ seed: 777 }), recorder);
    const bytes = await readAll(result.body);
    expect(result).toMatchObject({ contentType: "video/mp4", seed: 777, costUsd: 0.091, contentLength: bytes.length });
    expect(result.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.remainingCreditsUsd).toBeCloseTo(before - 0.091, 9);
    expect(result.generationTimeS).toBe(0.05);
    expect(recorder.calls).toEqual([
      { method: "POST", path: "/v1/seedance-v1-lite-image-to-video", httpStatus: 200, durationMs: expect.any(Number), requestId: result.requestId },
    ]);
    expect(standIn.stats.syncsBilled).toBe(billedBefore + 1);
    expect(standIn.balanceUsd()).toBeCloseTo(before - 0.091, 9);

    // Same input and seed as a v2 job: the same bytes.
    const { requestId } = await runToEnd(requestBody({ seed: 777 }));
    expect(sha256(await downloadResult(requestId))).toBe(sha256(bytes));
  });
});
