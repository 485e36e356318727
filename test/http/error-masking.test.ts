import { afterAll, beforeAll, expect, it } from "vitest";
import { describeEachDatabase, queryDatabase } from "../support/databases";
import { type Harness, startHarness } from "../support/harness";
import { GRAPHQL_RESPONSE, expectStillServing, jsonOf, postJson } from "./helpers";

/**
 * An unexpected error inside a resolver reaches the client as one generic message with code
 * INTERNAL_SERVER_ERROR: no stack, no secret, no upstream request id, no SQL. The log has the
 * detail, under the request id the response carries in x-request-id.
 */
const FAKE_SECRET = "sk_live_FAKE_9f8e7d6c5b4a";
const UPSTREAM_REQUEST_ID = "req_upstream_77aa11bb";

function expectNothingLeaks(raw: string, extra: string[] = []) {
  for (const needle of [FAKE_SECRET, UPSTREAM_REQUEST_ID, "stack", "    at ", ".ts:", "node_modules", ...extra]) {
    expect(raw).not.toContain(needle);
  }
}

function logLinesWith(harness: Harness, requestId: string): Array<Record<string, any>> {
  // Besides the access-log line ("request") every request gets.
  return harness.logs
    .map((line) => JSON.parse(line))
    .filter((entry) => entry.requestId === requestId && entry.message !== "request");
}

describeEachDatabase("error masking", (target) => {
  let harness: Harness;
  let url: string;

  beforeAll(async () => {
    harness = await startHarness(target, { start: false });
    url = await harness.listen();
  });
  afterAll(() => harness?.close());

  it("a service that throws a plain Error with a secret and an upstream request id", async () => {
    const credits = harness.gateway.services.credits;
    const original = credits.report;
    credits.report = async () => {
      throw new Error(`Segmind ${UPSTREAM_REQUEST_ID} rejected key ${FAKE_SECRET}`);
    };
    try {
      const response = await postJson(url, { query: "query Balance { credits { spentUsd } }", operationName: "Balance" });
      const raw = await response.text();
      expect(response.status).toBeLessThan(500);
      const result = JSON.parse(raw);
      expect(result.errors).toEqual([
        {
          message: "Unexpected error.",
          locations: [{ line: 1, column: 17 }],
          path: ["credits"],
          extensions: { code: "INTERNAL_SERVER_ERROR" },
        },
      ]);
      expectNothingLeaks(raw);

      const requestId = response.headers.get("x-request-id");
      expect(requestId).toBeTruthy();
      const [line, ...more] = logLinesWith(harness, requestId as string);
      expect(more).toEqual([]);
      expect(line).toMatchObject({
        level: "error",
        message: "unexpected error in a GraphQL operation",
        operationName: "Balance",
        path: ["credits"],
        error: { name: "Error", message: expect.stringContaining(UPSTREAM_REQUEST_ID) },
      });
      expect(line?.error.stack).toContain("error-masking.test.ts");
    } finally {
      credits.report = original;
    }
  });

  it("a client-chosen request id (plain and short) is echoed and used in the log", async () => {
    const credits = harness.gateway.services.credits;
    const original = credits.report;
    credits.report = async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'balance')");
    };
    try {
      const response = await postJson(url, { query: "{ credits { spentUsd } }" }, { "x-request-id": "client-abc.123" });
      expect(response.headers.get("x-request-id")).toBe("client-abc.123");
      expect((await jsonOf(response)).errors[0].message).toBe("Unexpected error.");
      expect(logLinesWith(harness, "client-abc.123")).toHaveLength(1);

      // One that could forge log lines is replaced by a fresh id.
      const forged = await postJson(url, { query: "{ credits { spentUsd } }" }, { "x-request-id": 'x","level":"info' });
      expect(forged.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      credits.report = original;
    }
  });

  it("a database fault under the gateway (its table gone) is masked too: no SQL, no names", async () => {
    await queryDatabase(harness.database, 'ALTER TABLE "Generation" RENAME TO "GenerationGone"');
    try {
      const response = await postJson(url, { query: "{ generations(first: 1) { totalCount } }" });
      const raw = await response.text();
      expect(response.status).toBeLessThan(500);
      expect(JSON.parse(raw).errors).toEqual([
        expect.objectContaining({ message: "Unexpected error.", extensions: { code: "INTERNAL_SERVER_ERROR" } }),
      ]);
      expectNothingLeaks(raw, ["Generation", "SELECT", "does not exist", "no such table", "P20", "prisma"]);
      const [line] = logLinesWith(harness, response.headers.get("x-request-id") as string);
      expect(JSON.stringify(line)).toMatch(/Generation/);
    } finally {
      await queryDatabase(harness.database, 'ALTER TABLE "GenerationGone" RENAME TO "Generation"');
    }
    await expectStillServing(url);
  });

  it("responses never carry a stack, even for errors yoga itself reports", async () => {
    const response = await fetch(`${url}/graphql?query=${encodeURIComponent("{ __typename")}`, {
      headers: { accept: GRAPHQL_RESPONSE },
    });
    expect(response.status).toBe(400);
    expectNothingLeaks(await response.text());
  });
});
