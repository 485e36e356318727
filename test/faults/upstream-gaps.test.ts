import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { mediaKeyFor } from "../../src/media/keys";
import { databaseTargets } from "../support/databases";
import { type Harness, VALID_INPUT, localId, startHarness } from "../support/harness";

/**
 * Upstream faults not covered by test/worker/upstream-failures.test.ts: unreadable or cut-off
 * answers to GETs, a retired model or an expired output found mid-job, and an event history
 * with exactly one entry per HTTP exchange.
 */
const sqlite = databaseTargets().find((target) => target.provider === "sqlite")!;
const TERMINAL = ["SUCCEEDED", "FAILED", "CANCELED", "EXPIRED"] as const;

describe("upstream faults while polling and downloading (gaps)", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness(sqlite, { clientTimeoutMs: 2_000 });
  });
  afterAll(() => harness?.close());
  beforeEach(async () => {
    await harness.gateway.services.worker.idle();
    harness.standIn.clearFaults();
  });

  async function run() {
    const id = localId((await harness.generate(VALID_INPUT)).generation.id);
    const row = await harness.waitForStatus(id, [...TERMINAL]);
    const calls = await harness.db.generationEvent.findMany({
      where: { generationId: id, type: "UPSTREAM_CALL" },
      orderBy: { id: "asc" },
    });
    return { id, row, calls };
  }

  it.each([
    ["an unreadable status body (malformed JSON)", "status", "malformed"],
    ["a status body cut off mid-way", "status", "truncate"],
    ["an unreadable result body", "result", "malformed"],
    ["a result body cut off mid-way", "result", "truncate"],
  ] as const)("%s is retried (a GET is safe to repeat) and the job succeeds", async (_name, route, kind) => {
    harness.standIn.inject({ route, kind });
    const { row, calls } = await run();
    expect(row.status, row.errorMessage ?? "").toBe("SUCCEEDED");
    const failed = calls.filter((call) => call.errorCode !== null);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.errorCode).toMatch(/MALFORMED_RESPONSE|CONNECTION_DROPPED/);
    expect(row.attempts).toBe(1);
    expect(calls.filter((call) => call.method === "POST")).toHaveLength(1);
  });

  it("a download cut off once is retried, and each HTTP exchange is one event", async () => {
    harness.standIn.inject({ route: "download", kind: "truncate" });
    const { row, calls, id } = await run();
    expect(row.status).toBe("SUCCEEDED");
    const downloads = calls.filter((call) => call.path?.startsWith("/outputs/"));
    expect(downloads.map((call) => call.attempt)).toEqual([1, 2]);
    expect(downloads.map((call) => call.httpStatus)).toEqual([200, 200]);
    const stat = await harness.gateway.services.media.stat(mediaKeyFor(id));
    expect(stat?.bytes).toBe(row.videoBytes);
  });

  it("a download whose connection is reset is retried", async () => {
    harness.standIn.inject({ route: "download", kind: "drop" });
    const { row, calls } = await run();
    expect(row.status).toBe("SUCCEEDED");
    expect(calls.filter((call) => call.path?.startsWith("/outputs/")).map((call) => call.errorCode)).toEqual([
      "CONNECTION_DROPPED",
      null,
    ]);
  });

  it("an output Segmind no longer has (404) fails at once as RESULT_DOWNLOAD_FAILED", async () => {
    harness.standIn.inject({ route: "download", kind: { status: 404, body: "<Error><Code>NoSuchKey</Code></Error>", contentType: "application/xml" } });
    const { row, calls } = await run();
    expect(row.errorCode).toBe("RESULT_DOWNLOAD_FAILED");
    expect(row.errorMessage).toContain("HTTP 404");
    expect(calls.filter((call) => call.path?.startsWith("/outputs/"))).toHaveLength(1);
  });

  it("a model retired mid-job (410 while polling) fails typed as MODEL_RETIRED, with the call recorded", async () => {
    harness.standIn.inject({ route: "status", kind: { status: 410, body: '{"error":"This model has been deprecated"}' } });
    const { row, calls } = await run();
    expect(row.errorCode).toBe("MODEL_RETIRED");
    expect(calls.at(-1)).toMatchObject({ method: "GET", httpStatus: 410 });
  });

  it("a 405 HTML page while polling fails typed, not as a parse error", async () => {
    harness.standIn.inject({
      route: "status",
      kind: { status: 405, body: "<html><body>405 Not Allowed</body></html>", contentType: "text/html" },
    });
    const { row } = await run();
    expect(row.errorCode).toBe("UPSTREAM_METHOD_NOT_ALLOWED");
  });
});
