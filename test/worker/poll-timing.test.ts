// When the worker reads a submitted job's status (src/worker/steps/poll-timing.ts): around the
// time jobs of its shape usually end, every SEGMIND_POLL_FAST_MS, so a finished video is seen
// within one fast read rather than within one whole poll interval.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { GenerationRow } from "../../src/generations/types";
import { createFsMediaStore } from "../../src/media/fs-store";
import type { MediaStore } from "../../src/media/store";
import type { StepDeps, StepSettings } from "../../src/worker/steps/deps";
import { FAST_READS, expectedDoneAfterMs, firstReadInMs, nextPollInMs, withFastReadsWhereFree } from "../../src/worker/steps/poll-timing";
import { describeEachDatabase } from "../support/databases";
import { type Harness, VALID_INPUT, localId, startHarness } from "../support/harness";

const SUBMITTED = new Date("2026-11-29T12:00:00Z");

function stepDeps(medianMs: number | null, settings: Partial<StepSettings>): StepDeps {
  return {
    settings: { pollIntervalMs: 500, pollFastMs: 100, ...settings },
    progress: { upstreamMedianMs: async () => medianMs },
  } as unknown as StepDeps;
}

/** The times (ms after the submit) of the status reads of a job Segmind finishes at `doneAtMs`. */
async function readTimes(deps: StepDeps, doneAtMs: number): Promise<number[]> {
  const row = { duration: 5, resolution: "480p", submittedAt: SUBMITTED, createdAt: SUBMITTED } as GenerationRow;
  const reads = [await expectedDoneAfterMs(deps, row)];
  while ((reads.at(-1) as number) < doneAtMs) {
    const at = reads.at(-1) as number;
    reads.push(at + (await nextPollInMs(deps, row, new Date(SUBMITTED.getTime() + at))));
  }
  return reads;
}

describe("the status read schedule", () => {
  it("with no history: the first read one interval after the submit, fast reads or not", async () => {
    expect(await readTimes(stepDeps(null, { pollFastMs: 100 }), 1_000)).toEqual([500, 1_000]);
    expect(await readTimes(stepDeps(null, { pollFastMs: 0 }), 1_000)).toEqual([500, 1_000]);
  });

  it("without fast reads: one interval before the usual end, then one interval apart", async () => {
    expect(await readTimes(stepDeps(3_000, { pollFastMs: 0 }), 3_050)).toEqual([2_500, 3_000, 3_500]);
  });

  it("with fast reads: two fast reads before the usual end, then one every pollFastMs: a job ending in that window is seen within one", async () => {
    const deps = stepDeps(3_000, { pollFastMs: 100 });
    for (const doneAt of [2_850, 3_000, 3_050, 3_310, 3_490]) {
      const reads = await readTimes(deps, doneAt);
      expect(reads[0]).toBe(2_800);
      expect((reads.at(-1) as number) - doneAt).toBeLessThanOrEqual(100);
      expect(reads.slice(1).every((at, index) => at - (reads[index] as number) === 100)).toBe(true);
    }
  });

  it("the first read is due at the acceptance plus the usual time, however long the SUBMITTED record took to commit", async () => {
    const deps = stepDeps(3_000, { pollFastMs: 100 });
    const row = { duration: 5, resolution: "480p", submittedAt: SUBMITTED, createdAt: SUBMITTED } as GenerationRow;
    const after = (ms: number) => new Date(SUBMITTED.getTime() + ms);
    expect(await firstReadInMs(deps, row, after(5))).toBe(2_795);
    // The record waited 400 ms behind other writers: the read still comes at 2,800 ms.
    expect(await firstReadInMs(deps, row, after(400))).toBe(2_400);
    // Already past it: at once.
    expect(await firstReadInMs(deps, row, after(3_100))).toBe(0);
  });

  it("past the window the reads grow sparse again: a late job costs no more fast reads", async () => {
    const reads = await readTimes(stepDeps(3_000, { pollFastMs: 100 }), 8_000);
    const fast = reads.slice(1).filter((at, index) => at - (reads[index] as number) < 500);
    expect(fast.length).toBe(FAST_READS - 1);
    expect(reads.length).toBeLessThan(FAST_READS + 12);
  });

  it("fast reads are turned off where SEGMIND_MAX_RPM counts status reads, and kept where they cost no permit", () => {
    const settings = { pollIntervalMs: 500, pollFastMs: 100 } as StepSettings;
    expect(withFastReadsWhereFree({ ...settings, maxRequestsPerMinute: 5, rpmScope: "all" as const }).pollFastMs).toBe(0);
    expect(withFastReadsWhereFree({ ...settings, maxRequestsPerMinute: 5, rpmScope: "submits" as const }).pollFastMs).toBe(100);
    expect(withFastReadsWhereFree({ ...settings, maxRequestsPerMinute: 0, rpmScope: "all" as const }).pollFastMs).toBe(100);
  });
});

describeEachDatabase("status reads against the stand-in", (target) => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  const INTERVAL_MS = 400;

  /**
   * Three jobs of 300 ms make the history; the next one ends 160 ms after the usual time the
   * gateway learned from them (poll-timing.ts schedules its reads by it), so it is still running
   * at its first read and ends inside the fast reads' window. Returns the gap between the read
   * that found it done and the read before it.
   */
  async function lastGap(pollFastMs: number): Promise<{ gap: number; reads: number }> {
    harness = await startHarness(target, {
      standInOptions: { jobDurationMs: 300 },
      worker: { pollIntervalMs: INTERVAL_MS, pollFastMs },
    });
    const warmUp = await Promise.all([1, 2, 3].map(async (seed) => localId((await harness!.generate({ ...VALID_INPUT, seed })).generation.id)));
    for (const id of warmUp) expect((await harness.waitForStatus(id, ["SUCCEEDED"], 10_000)).status).toBe("SUCCEEDED");
    // The time Segmind took, as the schedule counts it (its own total time, 300 ms here).
    const usual = await harness.gateway.services.progress.upstreamMedianMs(VALID_INPUT.duration, "480p");
    expect(usual).not.toBeNull();
    harness.standIn.setJobDuration((usual as number) + 160);
    const id = localId((await harness.generate({ ...VALID_INPUT, seed: 4 })).generation.id);
    expect((await harness.waitForStatus(id, ["SUCCEEDED"], 10_000)).status).toBe("SUCCEEDED");
    const events = await harness.db.generationEvent.findMany({ where: { generationId: id, type: "UPSTREAM_CALL" }, orderBy: { id: "asc" } });
    const statusReads = events.filter((event) => event.method === "GET" && event.path?.endsWith("/status"));
    expect(statusReads.length).toBeGreaterThanOrEqual(2);
    const [before, done] = statusReads.slice(-2) as [(typeof statusReads)[0], (typeof statusReads)[0]];
    return { gap: done.createdAt.getTime() - before.createdAt.getTime(), reads: statusReads.length };
  }

  it("with fast reads, the read that finds the job done comes one fast read after the last, not one interval", async () => {
    const { gap, reads } = await lastGap(40);
    console.info(`[${target.provider}] fast reads: ${reads} status reads, the last ${gap} ms after the one before`);
    expect(gap).toBeLessThan(INTERVAL_MS - 100);
    expect(reads).toBeLessThanOrEqual(FAST_READS + 1);
  });

  it("without, it comes a whole interval later", async () => {
    const { gap, reads } = await lastGap(0);
    console.info(`[${target.provider}] no fast reads: ${reads} status reads, the last ${gap} ms after the one before`);
    // Timers never fire early; the reads' records are written when each call ends.
    expect(gap).toBeGreaterThanOrEqual(INTERVAL_MS - 50);
  });

  it("learns when Segmind finished, not when the video was stored: a slow store does not make the next job's reads late", async () => {
    // Every copy takes 600 ms longer than it needs: the recorded successes end ~900 ms after
    // their submits, while Segmind takes 300.
    const dir = mkdtempSync(join(tmpdir(), "sg-slow-media-"));
    const fs = createFsMediaStore(dir);
    const slow: MediaStore = { ...fs, put: async (...args) => { await new Promise((resolve) => setTimeout(resolve, 600)); return fs.put(...args); } };
    harness = await startHarness(target, { media: slow, mediaDir: dir, standInOptions: { jobDurationMs: 300 }, worker: { pollIntervalMs: INTERVAL_MS, pollFastMs: 40 } });
    const warmUp = await Promise.all([1, 2, 3].map(async (seed) => localId((await harness!.generate({ ...VALID_INPUT, seed })).generation.id)));
    for (const id of warmUp) expect((await harness.waitForStatus(id, ["SUCCEEDED"], 10_000)).status).toBe("SUCCEEDED");
    const recorded = (await harness.gateway.services.progress.recordedMedianMs(VALID_INPUT.duration, "480p")) as number;
    const upstream = (await harness.gateway.services.progress.upstreamMedianMs(VALID_INPUT.duration, "480p")) as number;
    expect(recorded).toBeGreaterThan(900);
    expect(upstream).toBeGreaterThan(250);
    expect(upstream).toBeLessThanOrEqual(300);

    const id = localId((await harness.generate({ ...VALID_INPUT, seed: 4 })).generation.id);
    const row = await harness.waitForStatus(id, ["SUCCEEDED"], 10_000);
    const storing = await harness.db.generationEvent.findFirstOrThrow({ where: { generationId: id, toStatus: "STORING" } });
    const seenDoneAfter = storing.createdAt.getTime() - (row.submittedAt as Date).getTime();
    console.info(`[${target.provider}] recorded median ${recorded} ms, upstream ${upstream} ms; a 300 ms job seen done after ${seenDoneAfter} ms`);
    // Scheduled by the recorded median, its first read would come ~800 ms after the submit.
    expect(seenDoneAfter).toBeLessThan(300 + 250);
  });
});
