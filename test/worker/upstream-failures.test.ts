import { readdirSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { mediaKeyFor } from "../../src/media/keys";
import { FAIL_MARKER, type Fault } from "../../src/sandbox/standin";
import { databaseTargets } from "../support/databases";
import { type Harness, type HarnessOptions, TEST_API_KEY, VALID_INPUT, localId, startHarness } from "../support/harness";

// Worker behaviour does not depend on the database; the SQLite target keeps this file fast.
const sqlite = databaseTargets().find((target) => target.provider === "sqlite")!;

const TERMINAL = ["SUCCEEDED", "FAILED"] as const;

async function runToEnd(harness: Harness, input: Record<string, unknown> = VALID_INPUT) {
  const created = await harness.generate(input);
  expect(created.__typename).toBe("GenerateVideoPayload");
  const id = localId(created.generation.id);
  const row = await harness.waitForStatus(id, [...TERMINAL]);
  const events = await harness.db.generationEvent.findMany({ where: { generationId: id }, orderBy: { id: "asc" } });
  const calls = events.filter((event) => event.type === "UPSTREAM_CALL");
  return { row, events, calls, id };
}

function expectNoSecret(harness: Harness, ...values: unknown[]) {
  const text = JSON.stringify(values) + harness.logs.join("\n");
  expect(text).not.toContain(TEST_API_KEY);
}

describe("upstream failures on submit (v2)", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness(sqlite);
  });
  afterAll(() => harness?.close());
  beforeEach(async () => {
    await harness.gateway.services.worker.idle();
    harness.standIn.setModelRetired(false);
    harness.standIn.clearFaults();
  });

  const rejected: Array<[string, Fault["kind"], string, number]> = [
    ["400 rejected input", { status: 400, body: '{"error":"duration must be 5 or 10"}' }, "UPSTREAM_REJECTED_INPUT", 400],
    ["422 rejected input", { status: 422, body: '{"error":"Validation Error"}' }, "UPSTREAM_REJECTED_INPUT", 422],
    ["403 forbidden model", { status: 403, body: '{"error":"Model not allowed"}' }, "UPSTREAM_FORBIDDEN", 403],
    ["404 unknown model", { status: 404, body: '{"error":"Model not found"}' }, "MODEL_NOT_FOUND", 404],
    ["405 with an HTML body", { status: 405, body: "<html><body>405 Not Allowed</body></html>", contentType: "text/html" }, "UPSTREAM_METHOD_NOT_ALLOWED", 405],
    ["406 invalid content type", { status: 406, body: '{"error":"Invalid content type"}' }, "UPSTREAM_BAD_REQUEST", 406],
  ];

  it.each(rejected)("%s fails at once, typed, with the call in the history", async (_name, kind, code, status) => {
    harness.standIn.inject({ route: "submit", kind });
    const { row, calls, events } = await runToEnd(harness);
    expect(row.status).toBe("FAILED");
    expect(row.errorCode).toBe(code);
    expect(row.errorMessage).toContain(`HTTP ${status}`);
    expect(row.attempts).toBe(1);
    expect(row.upstreamRequestId).toBeNull();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ method: "POST", httpStatus: status, path: "/v2/seedance-v1-lite-image-to-video" });
    expect(events.at(-1)).toMatchObject({ type: "STATUS_CHANGED", fromStatus: "SUBMITTING", toStatus: "FAILED", errorCode: code });
    expectNoSecret(harness, row, events);
  });

  it("410 retired model fails typed as MODEL_RETIRED", async () => {
    harness.standIn.setModelRetired(true);
    const { row, calls } = await runToEnd(harness);
    expect(row.errorCode).toBe("MODEL_RETIRED");
    expect(calls.map((call) => call.httpStatus)).toEqual([410]);
  });

  it("5xx proves the job was not accepted: retried, then succeeds, billed once", async () => {
    const accepted = harness.standIn.stats.submitsAccepted;
    harness.standIn.inject({ route: "submit", kind: { status: 503, body: '{"error":"busy"}' } });
    const { row, calls, events } = await runToEnd(harness);
    expect(row.status).toBe("SUCCEEDED");
    expect(row.attempts).toBe(2);
    expect(calls.filter((call) => call.method === "POST").map((call) => call.httpStatus)).toEqual([503, 200]);
    expect(events.some((event) => event.toStatus === "QUEUED" && event.message?.includes("not accepted"))).toBe(true);
    expect(harness.standIn.stats.submitsAccepted).toBe(accepted + 1);
  });

  it("persistent 5xx exhausts the retries and fails as UPSTREAM_UNAVAILABLE", async () => {
    harness.standIn.inject({ route: "submit", kind: { status: 500, body: '{"error":"boom"}' }, times: 3 });
    const { row, calls } = await runToEnd(harness);
    expect(row.errorCode).toBe("UPSTREAM_UNAVAILABLE");
    expect(row.attempts).toBe(3);
    expect(calls.map((call) => call.httpStatus)).toEqual([500, 500, 500]);
  });

  it("429 waits until x-rate-limit-reset-at-utc, then succeeds", async () => {
    const resetAt = new Date(Date.now() + 400);
    harness.standIn.inject({
      route: "submit",
      kind: { status: 429, body: '{"error":"Too many requests"}', headers: { "x-rate-limit-reset-at-utc": resetAt.toISOString() } },
    });
    const { row, calls, events } = await runToEnd(harness);
    expect(row.status).toBe("SUCCEEDED");
    const posts = calls.filter((call) => call.method === "POST");
    expect(posts.map((call) => call.httpStatus)).toEqual([429, 200]);
    const retry = events.find((event) => event.toStatus === "QUEUED" && event.errorCode === "RATE_LIMITED");
    expect(retry?.message).toContain(resetAt.toISOString().slice(0, 19));
    // The second submit did not go out before the reset time.
    expect(posts[1]!.createdAt.getTime()).toBeGreaterThanOrEqual(resetAt.getTime() - 5);
  });

  const ambiguous: Array<[string, Fault["kind"], number]> = [
    ["a connection dropped before any answer", "drop", 0],
    ["a connection dropped after Segmind accepted (and billed) the job", "drop-after-accept", 1],
    ["an unreadable 200", "malformed", 1],
  ];

  it.each(ambiguous)("%s is never resubmitted: SUBMIT_OUTCOME_UNKNOWN", async (_name, kind, billed) => {
    const accepted = harness.standIn.stats.submitsAccepted;
    const attempts = harness.standIn.stats.submitAttempts;
    harness.standIn.inject({ route: "submit", kind });
    const { row, calls } = await runToEnd(harness);
    expect(row.errorCode).toBe("SUBMIT_OUTCOME_UNKNOWN");
    expect(row.errorMessage).toMatch(/may have accepted and billed/);
    expect(row.attempts).toBe(1);
    expect(harness.standIn.stats.submitAttempts).toBe(attempts + 1);
    expect(harness.standIn.stats.submitsAccepted).toBe(accepted + billed);
    expect(calls).toHaveLength(1);
  });

  it("a job that fails upstream ends UPSTREAM_JOB_FAILED, unbilled", async () => {
    const balance = harness.standIn.balanceUsd();
    const { row, calls } = await runToEnd(harness, { ...VALID_INPUT, prompt: `please ${FAIL_MARKER}` });
    expect(row.errorCode).toBe("UPSTREAM_JOB_FAILED");
    expect(row.errorMessage).toContain("Segmind said");
    expect(row.costUsd).toBeNull();
    expect(row.upstreamRequestId).not.toBeNull();
    expect(calls.some((call) => call.httpStatus === 422)).toBe(true);
    expect(harness.standIn.balanceUsd()).toBeCloseTo(balance, 9);
  });
});

describe("upstream failures while polling and downloading (v2)", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness(sqlite, { clientTimeoutMs: 300 });
  });
  afterAll(() => harness?.close());
  beforeEach(async () => {
    await harness.gateway.services.worker.idle();
    harness.standIn.clearFaults();
  });

  it("status 5xx, a timeout and a dropped connection are retried (GETs are safe) until success", async () => {
    harness.standIn.inject({ route: "status", kind: { status: 502, body: "Bad Gateway", contentType: "text/plain" } });
    harness.standIn.inject({ route: "status", kind: "hang" });
    harness.standIn.inject({ route: "status", kind: "drop" });
    const { row, calls } = await runToEnd(harness);
    expect(row.status).toBe("SUCCEEDED");
    expect(row.attempts).toBe(1);
    const statusCalls = calls.filter((call) => call.path?.endsWith("/status"));
    expect(statusCalls.slice(0, 3).map((call) => [call.httpStatus, call.errorCode])).toEqual([
      [502, "SERVER_ERROR"],
      [null, "TIMEOUT"],
      [null, "CONNECTION_DROPPED"],
    ]);
  });

  it("a result fetch that fails transiently is retried", async () => {
    harness.standIn.inject({ route: "result", kind: { status: 500, body: '{"error":"oops"}' } });
    const { row, calls } = await runToEnd(harness);
    expect(row.status).toBe("SUCCEEDED");
    expect(calls.filter((call) => call.httpStatus === 500)).toHaveLength(1);
  });

  it("an expired request id (404) fails as UPSTREAM_REQUEST_EXPIRED", async () => {
    harness.standIn.inject({ route: "status", kind: { status: 404, body: '{"error":"Request 123 not found"}' } });
    const { row } = await runToEnd(harness);
    expect(row.errorCode).toBe("UPSTREAM_REQUEST_EXPIRED");
    expect(row.errorMessage).toContain("Request 123 not found");
  });

  it("a truncated download is retried and the stored video is whole", async () => {
    harness.standIn.inject({ route: "download", kind: "truncate" });
    const { row, events } = await runToEnd(harness);
    expect(row.status).toBe("SUCCEEDED");
    expect(events.some((event) => event.type === "RETRY_SCHEDULED")).toBe(true);
    const stat = await harness.gateway.services.media.stat(mediaKeyFor(row.id));
    expect(stat?.bytes).toBe(row.videoBytes);
  });

  it("a download that keeps failing ends RESULT_DOWNLOAD_FAILED with no file under the key", async () => {
    harness.standIn.inject({ route: "download", kind: "truncate", times: 3 });
    const { row } = await runToEnd(harness);
    expect(row.errorCode).toBe("RESULT_DOWNLOAD_FAILED");
    expect(row.upstreamOutputUrl).not.toBeNull();
    expect(row.costUsd).not.toBeNull();
    expect(await harness.gateway.services.media.stat(mediaKeyFor(row.id))).toBeNull();
    // Nothing of the three partial copies is served or left behind.
    const served = await harness.gateway.yoga.fetch(`http://gateway.test/media/${mediaKeyFor(row.id)}`);
    expect(served.status).toBe(404);
    expect(readdirSync(join(harness.mediaDir, ".incoming"))).toEqual([]);
  });
});

describe("timeouts and deadlines", () => {
  it("a submit that times out is never resubmitted", async () => {
    const harness = await startHarness(sqlite, { clientTimeoutMs: 200 });
    try {
      harness.standIn.inject({ route: "submit", kind: "hang" });
      const { row, calls } = await runToEnd(harness);
      expect(row.errorCode).toBe("SUBMIT_OUTCOME_UNKNOWN");
      expect(row.errorMessage).toContain("TIMEOUT");
      expect(calls).toMatchObject([{ httpStatus: null, errorCode: "TIMEOUT" }]);
      expect(harness.standIn.stats.submitAttempts).toBe(1);
    } finally {
      await harness.close();
    }
  });

  it("a job that never finishes is given up after the poll deadline", async () => {
    const harness = await startHarness(sqlite, {
      standInOptions: { jobDurationMs: 60_000 },
      worker: { pollDeadlineMs: 300 },
    });
    try {
      const { row } = await runToEnd(harness);
      expect(row.errorCode).toBe("UPSTREAM_DEADLINE_EXCEEDED");
    } finally {
      await harness.close();
    }
  });
});

describe("account and connectivity problems", () => {
  const cases: Array<[string, HarnessOptions | (() => Promise<HarnessOptions>), string, number | null]> = [
    ["a key Segmind rejects (401)", { standInOptions: { apiKey: "SG_fedcba9876543210" } }, "UPSTREAM_UNAUTHORIZED", 401],
    ["too few credits (406)", { standInOptions: { balanceUsd: 0.05 } }, "INSUFFICIENT_CREDITS", 406],
    ["Segmind unreachable (connection refused)", async () => ({ baseUrl: await closedPortUrl() }), "UPSTREAM_UNREACHABLE", null],
  ];

  it.each(cases)("%s", async (_name, options, code, status) => {
    const harness = await startHarness(sqlite, typeof options === "function" ? await options() : options);
    try {
      const { row, calls, events } = await runToEnd(harness);
      expect(row.errorCode).toBe(code);
      expect(calls.every((call) => call.httpStatus === status)).toBe(true);
      // Refused connections prove nothing was sent: retried up to the limit. The others are final.
      expect(row.attempts).toBe(status === null ? 3 : 1);
      expectNoSecret(harness, row, events, await harness.gql("{ credits { upstreamError { code message } } }"));
    } finally {
      await harness.close();
    }
  });
});

describe("v1 sync mode", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness(sqlite, { mode: "v1" });
  });
  afterAll(() => harness?.close());
  beforeEach(async () => {
    await harness.gateway.services.worker.idle();
    harness.standIn.clearFaults();
  });

  it("5xx is retried; success records cost, seed and request id from the headers", async () => {
    harness.standIn.inject({ route: "sync", kind: { status: 500, body: '{"error":"busy"}' } });
    const { row, calls } = await runToEnd(harness);
    expect(row.status).toBe("SUCCEEDED");
    expect(calls.map((call) => call.httpStatus)).toEqual([500, 200]);
    expect(row.costUsd).toBeCloseTo(0.091, 6);
    expect(row.upstreamSeed).toBe(VALID_INPUT.seed);
    expect(row.upstreamRequestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("a body cut off mid-stream is billed and cannot be fetched again: RESULT_DOWNLOAD_FAILED, no resubmit", async () => {
    const attempts = harness.standIn.stats.submitAttempts + harness.standIn.stats.syncRuns;
    harness.standIn.inject({ route: "sync", kind: "truncate" });
    const { row } = await runToEnd(harness);
    expect(row.errorCode).toBe("RESULT_DOWNLOAD_FAILED");
    expect(row.costUsd).not.toBeNull();
    expect(await harness.gateway.services.media.stat(mediaKeyFor(row.id))).toBeNull();
    expect(harness.standIn.stats.submitAttempts + harness.standIn.stats.syncRuns).toBe(attempts + 1);
  });

  it("a dropped connection is never resubmitted", async () => {
    harness.standIn.inject({ route: "sync", kind: "drop-after-accept" });
    const { row } = await runToEnd(harness);
    expect(row.errorCode).toBe("SUBMIT_OUTCOME_UNKNOWN");
    expect(row.attempts).toBe(1);
  });
});

/** A loopback URL on which nothing listens. */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}
