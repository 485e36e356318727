import { afterEach, describe, expect, it } from "vitest";
import { mediaKeyFor } from "../../src/media/keys";
import { databaseTargets } from "../support/databases";
import { type Harness, type HarnessOptions, VALID_INPUT, localId, startHarness } from "../support/harness";
import { holdingSubmits } from "../support/holding-submits";

const sqlite = databaseTargets().find((target) => target.provider === "sqlite")!;
const TERMINAL = ["SUCCEEDED", "FAILED", "CANCELED", "EXPIRED"] as const;

const CANCEL = `
  mutation Cancel($id: ID!) {
    cancelGeneration(id: $id) {
      __typename
      ... on CancelGenerationPayload { pending generation { id status errorCode errorMessage cancelRequestedAt upstreamRequestId } }
      ... on GenerationNotFoundError { code message generationId }
      ... on GenerationAlreadyFinalError { code message status generation { id status } }
    }
  }
`;


describe("cancelGeneration", () => {
  let harness: Harness | undefined;
  const releases: Array<() => void> = [];
  const start = async (options: HarnessOptions = {}) => (harness = await startHarness(sqlite, options));
  afterEach(async () => {
    for (const release of releases.splice(0)) release(); // a held submit would keep the worker from stopping
    await harness?.close();
    harness = undefined;
  });

  const cancel = async (id: string) => {
    const result = await harness!.gql(CANCEL, { id });
    expect(result.errors).toBeUndefined();
    return result.data.cancelGeneration;
  };

  it("QUEUED: canceled at once, nothing sent or billed, and the worker never submits it", async () => {
    const h = await start({ start: false });
    const created = await h.generate(VALID_INPUT);
    const payload = await cancel(created.generation.id);
    expect(payload).toMatchObject({ __typename: "CancelGenerationPayload", pending: false, generation: { status: "CANCELED", errorCode: "CANCELED" } });
    expect(payload.generation.errorMessage).toMatch(/while QUEUED.*Nothing was billed/);
    expect(payload.generation.cancelRequestedAt).not.toBeNull();
    await h.gateway.start();
    await h.gateway.services.worker.idle();
    expect(h.standIn.stats.submitAttempts).toBe(0);
  });

  it("RUNNING: canceled at once, the drive stops polling at once, and the record says Segmind bills the job", async () => {
    // A long poll interval: stopping promptly proves the cancel woke the drive.
    const h = await start({ standInOptions: { jobDurationMs: 3_000 }, worker: { pollIntervalMs: 5_000 } });
    const id = localId((await h.generate(VALID_INPUT)).generation.id);
    const running = await h.waitForStatus(id, ["SUBMITTED", "RUNNING"]);
    const payload = await cancel(id);
    expect(payload.pending).toBe(false);
    expect(payload.generation.status).toBe("CANCELED");
    expect(payload.generation.errorMessage).toContain(`accepted job ${running.upstreamRequestId}`);
    expect(payload.generation.errorMessage).toMatch(/no cancel.*billed unless it fails/);
    const stoppedAt = Date.now();
    await h.gateway.services.worker.idle();
    expect(Date.now() - stoppedAt).toBeLessThan(1_000);
    // A poll already on the wire when the cancel came may still reach the stand-in (seen in a
    // CI run: the first poll goes out right after SUBMITTED); after that, no poll may start.
    await new Promise((resolve) => setTimeout(resolve, 150));
    const polls = h.standIn.stats.statusPolls;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(h.standIn.stats.statusPolls).toBe(polls);
    expect(h.standIn.stats.submitsAccepted).toBe(1);
  });

  it("SUBMITTING: the cancel is pending until Segmind answers; accepted, it ends CANCELED with the upstream id", async () => {
    const submits = holdingSubmits();
    releases.push(submits.release);
    const h = await start({ wrapSegmind: submits.wrap });
    const id = localId((await h.generate(VALID_INPUT)).generation.id);
    await submits.reached;
    await h.waitForStatus(id, ["SUBMITTING"]);
    const payload = await cancel(id);
    expect(payload).toMatchObject({ pending: true, generation: { status: "SUBMITTING" } });
    expect(payload.generation.cancelRequestedAt).not.toBeNull();
    // Asking again changes nothing.
    expect((await cancel(id)).pending).toBe(true);

    submits.release();
    const row = await h.waitForStatus(id, [...TERMINAL]);
    expect(row.status).toBe("CANCELED");
    expect(row.upstreamRequestId).not.toBeNull();
    expect(row.errorMessage).toContain(row.upstreamRequestId!);
    expect(row.errorMessage).toMatch(/while SUBMITTED/);
    expect(h.standIn.stats.submitsAccepted).toBe(1);
    const statuses = (await h.db.generationEvent.findMany({ where: { generationId: id, type: "STATUS_CHANGED" }, orderBy: { id: "asc" } })).map(
      (event) => event.toStatus,
    );
    expect(statuses).toEqual(["QUEUED", "SUBMITTING", "SUBMITTED", "CANCELED"]);
  });

  it("SUBMITTING, then refused by Segmind: it ends CANCELED unbilled instead of being retried", async () => {
    const submits = holdingSubmits();
    releases.push(submits.release);
    const h = await start({ wrapSegmind: submits.wrap });
    h.standIn.inject({ route: "submit", kind: { status: 503, body: '{"error":"busy"}' } });
    const id = localId((await h.generate(VALID_INPUT)).generation.id);
    await submits.reached;
    expect((await cancel(id)).pending).toBe(true);
    submits.release();
    const row = await h.waitForStatus(id, [...TERMINAL]);
    expect(row.status).toBe("CANCELED");
    expect(row.errorMessage).toMatch(/Nothing was billed/);
    expect(h.standIn.stats.submitAttempts).toBe(1);
    expect(h.standIn.stats.submitsAccepted).toBe(0);
  });

  it("STORING: the copy in flight is abandoned and no file is left under the generation's key", async () => {
    const h = await start({ clientTimeoutMs: 20_000 });
    h.standIn.inject({ route: "download", kind: "hang" });
    const id = localId((await h.generate(VALID_INPUT)).generation.id);
    await h.waitForStatus(id, ["STORING"]);
    const payload = await cancel(id);
    expect(payload.generation.status).toBe("CANCELED");
    expect(payload.generation.errorMessage).toMatch(/finished and billed.*upstreamOutputUrl/);
    const stoppedAt = Date.now();
    await h.gateway.services.worker.idle();
    // Abandoned at once, not after the 20 s download timeout.
    expect(Date.now() - stoppedAt).toBeLessThan(2_000);
    expect(await h.gateway.services.media.stat(mediaKeyFor(id))).toBeNull();
    const events = await h.db.generationEvent.findMany({ where: { generationId: id }, orderBy: { id: "asc" } });
    expect(events.at(-1)?.type).not.toBe("RETRY_SCHEDULED");
  });

  it("a generation waiting out a 429 pause (asleep, or at the gate) is released at once when canceled", async () => {
    const h = await start();
    const resetAt = new Date(Date.now() + 10_000);
    h.standIn.inject({
      route: "submit",
      kind: { status: 429, body: '{"error":"Too many requests"}', headers: { "x-rate-limit-reset-at-utc": resetAt.toISOString() } },
    });
    const asleep = localId((await h.generate({ ...VALID_INPUT, seed: 1 })).generation.id);
    for (let tries = 0; ; tries += 1) {
      const refused = await h.db.generationEvent.count({ where: { generationId: asleep, errorCode: "RATE_LIMITED" } });
      if (refused > 0) break;
      if (tries > 200) throw new Error("no 429");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const atGate = localId((await h.generate({ ...VALID_INPUT, seed: 2 })).generation.id);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await cancel(asleep)).generation.status).toBe("CANCELED");
    expect((await cancel(atGate)).generation.status).toBe("CANCELED");
    const stoppedAt = Date.now();
    await h.gateway.services.worker.idle();
    expect(Date.now() - stoppedAt).toBeLessThan(1_000);
    expect(h.standIn.stats.submitAttempts).toBe(1);
  });

  it("typed errors: an unknown id is GenerationNotFoundError, a final one GenerationAlreadyFinalError", async () => {
    const h = await start();
    const missing = await cancel("0190a0b0-0000-7000-8000-000000000000");
    expect(missing).toMatchObject({ __typename: "GenerationNotFoundError", code: "NOT_FOUND" });
    const created = await h.generate(VALID_INPUT);
    await h.waitForStatus(localId(created.generation.id), ["SUCCEEDED"]);
    const final = await cancel(created.generation.id);
    expect(final).toMatchObject({
      __typename: "GenerationAlreadyFinalError",
      code: "ALREADY_FINAL",
      status: "SUCCEEDED",
      generation: { id: created.generation.id, status: "SUCCEEDED" },
    });
    const invalid = await h.gql(CANCEL, { id: "not-an-id" });
    expect(invalid.errors?.[0]?.message).toBe("Invalid generation id");
  });
});

describe("deadline", () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it("a deadline in the past is invalid input", async () => {
    harness = await startHarness(sqlite, { start: false });
    const result = await harness.generate({ ...VALID_INPUT, deadline: new Date(Date.now() - 1_000).toISOString() });
    expect(result).toMatchObject({ __typename: "InvalidInputError", fields: [{ field: "deadline", message: "must be in the future" }] });
    expect(await harness.db.generation.count()).toBe(0);
  });

  it("passed while RUNNING: EXPIRED promptly, with what Segmind bills", async () => {
    harness = await startHarness(sqlite, { standInOptions: { jobDurationMs: 5_000 }, worker: { pollIntervalMs: 2_000 } });
    const deadline = new Date(Date.now() + 600);
    const created = await harness.generate({ ...VALID_INPUT, deadline: deadline.toISOString() });
    expect(created.generation).toMatchObject({ status: "QUEUED" });
    const id = localId(created.generation.id);
    const row = await harness.waitForStatus(id, [...TERMINAL], 5_000);
    expect(row.status).toBe("EXPIRED");
    expect(row.errorCode).toBe("DEADLINE_EXCEEDED");
    expect(row.errorMessage).toContain(deadline.toISOString());
    expect(row.errorMessage).toMatch(/accepted job .* billed unless it fails/);
    // Within the poll interval: the wait was cut short at the deadline.
    expect(row.completedAt!.getTime() - deadline.getTime()).toBeLessThan(1_000);
    const view = await harness.gql(`query($id: ID!) { generation(id: $id) { status deadline } }`, { id });
    expect(view.data.generation).toEqual({ status: "EXPIRED", deadline: deadline.toISOString() });
  });

  it("passed while waiting in the queue: the sweep expires it, nothing is sent", async () => {
    harness = await startHarness(sqlite, {
      standInOptions: { jobDurationMs: 2_000 },
      worker: { maxInFlight: 1 },
    });
    const busy = localId((await harness.generate({ ...VALID_INPUT, seed: 1 })).generation.id);
    await harness.waitForStatus(busy, ["SUBMITTED", "RUNNING"]);
    const waiting = localId(
      (await harness.generate({ ...VALID_INPUT, seed: 2, deadline: new Date(Date.now() + 300).toISOString() })).generation.id,
    );
    const row = await harness.waitForStatus(waiting, [...TERMINAL], 3_000);
    expect(row.status).toBe("EXPIRED");
    expect(row.errorMessage).toMatch(/while QUEUED.*Nothing was billed/);
    expect((await harness.waitForStatus(busy, [...TERMINAL])).status).toBe("SUCCEEDED");
    expect(harness.standIn.stats.submitAttempts).toBe(1);
  });
});
