import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { SUBMIT_INTERRUPTED } from "../../src/worker/steps/interrupted";
import { type SegmindStandIn, startSegmindStandIn } from "../../src/sandbox/standin";
import { type FreshDatabase, describeEachDatabase } from "../support/databases";
import { type Harness, TEST_API_KEY, VALID_INPUT, localId, startHarness } from "../support/harness";

describeEachDatabase("resume after restart", (target) => {
  let standIn: SegmindStandIn;
  let database: FreshDatabase;
  let mediaDir: string;

  beforeAll(async () => {
    // Long enough jobs that the first gateway stops while they are still upstream.
    standIn = await startSegmindStandIn({ apiKey: TEST_API_KEY, jobDurationMs: 1_500 });
    database = await target.createDatabase();
    mediaDir = mkdtempSync(join(tmpdir(), "sg-media-"));
  });
  afterAll(async () => {
    await standIn?.close();
    await database?.drop();
    rmSync(mediaDir, { recursive: true, force: true });
  });

  const shared = () => ({ database, standIn, mediaDir });

  it("a second gateway on the same database finishes what the first left, submitting nothing twice", async () => {
    // First gateway: two generations reach Segmind, then it stops (as on a deploy).
    const first = await startHarness(target, { ...shared(), worker: { maxInFlight: 2 } });
    const submitted = [
      await first.generate({ ...VALID_INPUT, seed: 11 }),
      await first.generate({ ...VALID_INPUT, seed: 12 }),
    ].map((result) => localId(result.generation.id));
    for (const id of submitted) await first.waitForStatus(id, ["SUBMITTED", "RUNNING"]);
    await first.close();

    // Recorded while no worker ran: stays QUEUED.
    const idle = await startHarness(target, { ...shared(), start: false });
    const queued = localId((await idle.generate({ ...VALID_INPUT, seed: 13 })).generation.id);
    // A row caught mid-submit by a crash: SUBMITTING, no upstream id, last touched long ago.
    const interrupted = localId((await idle.generate({ ...VALID_INPUT, seed: 14 })).generation.id);
    await idle.db.generation.update({
      where: { id: interrupted },
      data: { status: "SUBMITTING", attempts: 1, updatedAt: new Date(Date.now() - 10 * 60_000) },
    });
    await idle.close();

    const acceptedBefore = standIn.stats.submitsAccepted;
    expect(acceptedBefore).toBe(2);
    const attemptsBefore = standIn.stats.submitAttempts;

    const second: Harness = await startHarness(target, { ...shared(), worker: { submitInFlightMs: 60_000 } });
    try {
      for (const id of [...submitted, queued]) {
        const row = await second.waitForStatus(id, ["SUCCEEDED", "FAILED"]);
        expect(row.status, `${id}: ${row.errorMessage}`).toBe("SUCCEEDED");
      }
      const settled = await second.waitForStatus(interrupted, ["FAILED"]);
      expect(settled.errorCode).toBe(SUBMIT_INTERRUPTED);
      expect(settled.errorMessage).toMatch(/may have accepted and billed/);

      // Only the queued one was submitted; the two with upstream ids were polled, not resubmitted.
      expect(standIn.stats.submitAttempts).toBe(attemptsBefore + 1);
      expect(standIn.stats.submitsAccepted).toBe(acceptedBefore + 1);
      for (const id of submitted) {
        const posts = await second.db.generationEvent.count({
          where: { generationId: id, type: "UPSTREAM_CALL", method: "POST" },
        });
        expect(posts).toBe(1);
      }
    } finally {
      await second.close();
    }
  });

  it("a row mid-submit is not settled while its submit could still be on the wire", async () => {
    const gateway = await startHarness(target, { ...shared(), start: false });
    const id = localId((await gateway.generate({ ...VALID_INPUT, seed: 21 })).generation.id);
    await gateway.db.generation.update({ where: { id }, data: { status: "SUBMITTING", updatedAt: new Date() } });
    await gateway.close();

    const resumed = await startHarness(target, { ...shared(), worker: { submitInFlightMs: 800 } });
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await resumed.db.generation.findUniqueOrThrow({ where: { id } })).status).toBe("SUBMITTING");
      const row = await resumed.waitForStatus(id, ["FAILED"], 5_000);
      expect(row.errorCode).toBe(SUBMIT_INTERRUPTED);
    } finally {
      await resumed.close();
    }
  });

  it("a row stopped while storing is downloaded again from the output URL", async () => {
    const gateway = await startHarness(target, { ...shared() });
    const id = localId((await gateway.generate({ ...VALID_INPUT, seed: 31 })).generation.id);
    const done = await gateway.waitForStatus(id, ["SUCCEEDED"]);
    await gateway.close();

    // Rewind it to STORING, as if the process had died mid-download.
    const resumed = await startHarness(target, { ...shared(), start: false });
    await resumed.db.generation.update({
      where: { id },
      data: { status: "STORING", mediaKey: null, videoSha256: null, videoBytes: null, completedAt: null },
    });
    await resumed.gateway.start();
    try {
      const row = await resumed.waitForStatus(id, ["SUCCEEDED"]);
      expect(row.videoSha256).toBe(done.videoSha256);
      expect(standIn.stats.downloads).toBeGreaterThanOrEqual(2);
    } finally {
      await resumed.close();
    }
  });
});
