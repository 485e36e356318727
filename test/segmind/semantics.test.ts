import { inspect } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FAIL_MARKER, type SegmindStandIn } from "../../src/sandbox/standin";
import { createSegmindClient } from "../../src/segmind/client";
import type { SegmindError, SegmindErrorKind } from "../../src/segmind/errors";
import type { SegmindClient, UpstreamCall } from "../../src/segmind/types";
import { API_KEY, clientFor, closedPort, expectSegmindError, pollUntil, requestBody, startStandIn } from "./helpers";

/**
 * One real failure per error kind, checked for what the worker decides on (`notAccepted`,
 * `transient`) and for the key: it must not appear anywhere in the error or the call records.
 */

const WRONG_KEY = "SG_0badbadbadbad000";

let standIn: SegmindStandIn;
let client: SegmindClient;
const calls: UpstreamCall[] = [];
const onCall = (call: UpstreamCall) => calls.push(call);

beforeAll(async () => {
  standIn = await startStandIn({ jobDurationMs: 30 });
  client = clientFor(standIn);
});
afterAll(() => standIn.close());
afterEach(() => standIn.clearFaults());

/** Each scenario provokes its kind for real; faults that echo the key test the redaction. */
const scenarios: Record<SegmindErrorKind, () => Promise<unknown>> = {
  UNAUTHORIZED: () => clientFor(standIn, { apiKey: WRONG_KEY }).getCredits({ onCall }),
  FORBIDDEN: () => {
    standIn.inject({ route: "submit", kind: { status: 403, body: JSON.stringify({ error: `Key ${API_KEY} may not use this model` }) } });
    return client.submit(requestBody(), { onCall });
  },
  INSUFFICIENT_CREDITS: () => {
    standIn.inject({ route: "submit", kind: { status: 406, body: '{"error":"Insufficient credits. Balance $0, required $0.091"}' } });
    return client.submit(requestBody(), { onCall });
  },
  INVALID_CONTENT_TYPE: () => {
    standIn.inject({ route: "sync", kind: { status: 406, body: '{"error":"Invalid content type"}' } });
    return client.runSync(requestBody(), { onCall });
  },
  REJECTED_INPUT: () => client.submit(requestBody({ seed: 0 }), { onCall }),
  JOB_FAILED: async () => {
    const { requestId } = await client.submit(requestBody({ prompt: `nope ${FAIL_MARKER}` }));
    await pollUntil(() => client.getStatus(requestId), (status) => status.status === "FAILED");
    return client.getResult(requestId, { onCall });
  },
  NOT_FOUND: () => client.getStatus("00000000-0000-4000-8000-00000000beef", { onCall }),
  METHOD_NOT_ALLOWED: () => {
    standIn.inject({ route: "result", kind: { status: 405 } });
    return client.getResult("x", { onCall });
  },
  MODEL_RETIRED: async () => {
    standIn.setModelRetired(true);
    try {
      return await client.runSync(requestBody(), { onCall });
    } finally {
      standIn.setModelRetired(false);
    }
  },
  RATE_LIMITED: () => {
    standIn.inject({ route: "credits", kind: { status: 429, headers: { "x-rate-limit-reset-at-utc": "2026-11-24T12:01:00Z" } } });
    return client.getCredits({ onCall });
  },
  SERVER_ERROR: () => {
    standIn.inject({ route: "status", kind: { status: 500, body: `upstream exploded handling x-api-key: ${API_KEY}`, contentType: "text/plain" } });
    return client.getStatus("x", { onCall });
  },
  CONNECT_FAILED: async () =>
    createSegmindClient({ baseUrl: `http://127.0.0.1:${await closedPort()}`, apiKey: API_KEY }).getCredits({ onCall }),
  CONNECTION_DROPPED: () => {
    standIn.inject({ route: "submit", kind: "drop" });
    return client.submit(requestBody(), { onCall });
  },
  TIMEOUT: () => {
    standIn.inject({ route: "credits", kind: "hang" });
    return clientFor(standIn, { timeoutMs: 200 }).getCredits({ onCall });
  },
  MALFORMED_RESPONSE: () => {
    standIn.inject({ route: "credits", kind: "malformed" });
    return client.getCredits({ onCall });
  },
};

/** [kind, notAccepted, transient] */
const expected: [SegmindErrorKind, boolean, boolean][] = [
  ["UNAUTHORIZED", true, false],
  ["FORBIDDEN", true, false],
  ["INSUFFICIENT_CREDITS", true, false],
  ["INVALID_CONTENT_TYPE", true, false],
  ["REJECTED_INPUT", true, false],
  ["JOB_FAILED", true, false],
  ["NOT_FOUND", true, false],
  ["METHOD_NOT_ALLOWED", true, false],
  ["MODEL_RETIRED", true, false],
  ["RATE_LIMITED", true, true],
  ["SERVER_ERROR", true, true],
  ["CONNECT_FAILED", true, true],
  ["CONNECTION_DROPPED", false, true],
  ["TIMEOUT", false, true],
  ["MALFORMED_RESPONSE", false, false],
];

const errors: SegmindError[] = [];

describe("error kinds, provoked for real", () => {
  it.each(expected)("%s: notAccepted=%s transient=%s", async (kind, notAccepted, transient) => {
    const error = await expectSegmindError(scenarios[kind](), kind);
    errors.push(error);
    expect(error.notAccepted).toBe(notAccepted);
    expect(error.transient).toBe(transient);
    expect(error.message.length).toBeGreaterThan(0);
  });

  it("covers every kind", () => {
    expect(Object.keys(scenarios).sort()).toEqual(expected.map(([kind]) => kind).sort());
  });
});

describe("the key never leaks", () => {
  it("appears in no error (message, stack, fields, inspect output) and no call record", () => {
    expect(errors).toHaveLength(expected.length);
    for (const error of errors) {
      const renderings = [
        String(error),
        error.stack ?? "",
        JSON.stringify(error, Object.getOwnPropertyNames(error)),
        JSON.stringify({ ...error, notAccepted: error.notAccepted, transient: error.transient }),
        inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
      ];
      for (const text of renderings) {
        expect(text).not.toContain(API_KEY);
        expect(text).not.toContain(WRONG_KEY);
      }
    }
    expect(calls.length).toBeGreaterThanOrEqual(expected.length);
    expect(JSON.stringify(calls)).not.toContain(API_KEY);
    expect(JSON.stringify(calls)).not.toContain(WRONG_KEY);
  });

  it("redacts the key where Segmind's own message quoted it", () => {
    const forbidden = errors.find((error) => error.kind === "FORBIDDEN");
    expect(forbidden?.upstreamMessage).toBe("Key [redacted] may not use this model");
    const serverError = errors.find((error) => error.kind === "SERVER_ERROR");
    expect(serverError?.upstreamMessage).toBe("upstream exploded handling x-api-key: [redacted]");
  });
});
