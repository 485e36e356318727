import http from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_MAX_REQUEST_BYTES } from "../../src/http/request-body";
import { databaseTargets } from "../support/databases";
import { type Harness, startHarness } from "../support/harness";
import { GRAPHQL_RESPONSE, expectStillServing, fetchOn, jsonOf, postJson, variantGateway } from "./helpers";

/**
 * Malformed and hostile HTTP, over a real socket: every case gets the 4xx the GraphQL over
 * HTTP spec (or HTTP itself) calls for, never a 5xx, and the gateway keeps serving.
 * The HTTP layer does not depend on the database, so one provider is enough here.
 */
const target = databaseTargets()[0]!;
let harness: Harness;
let url: string;

beforeAll(async () => {
  harness = await startHarness(target, { start: false });
  url = await harness.listen();
});
afterAll(() => harness?.close());

/** A JSON body of exactly `bytes` bytes that is a valid request for `{ __typename }`. */
function bodyOfSize(bytes: number): string {
  const shell = JSON.stringify({ query: "{ __typename }", variables: { padding: "" } });
  return shell.replace('"padding":""', `"padding":"${"a".repeat(bytes - shell.length)}"`);
}

/** Sends raw bytes on a fresh connection and returns the status line's code. */
function rawStatus(request: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(new URL(url).port), "127.0.0.1");
    let received = "";
    socket.on("data", (chunk) => {
      received += chunk.toString("latin1");
      const match = /^HTTP\/1\.1 (\d{3})/.exec(received);
      if (match) {
        resolve(Number(match[1]));
        socket.destroy();
      }
    });
    socket.on("error", reject);
    socket.on("close", () => reject(new Error(`connection closed without a status: ${received}`)));
    socket.write(request);
  });
}

describe("malformed request bodies", () => {
  it.each([
    ["not JSON at all", "{not json"],
    ["truncated JSON", '{"query":"{ __typename }"'],
    ["invalid UTF-8", Buffer.from([0x7b, 0xff, 0xfe, 0x7d])],
  ])("%s: 400 with a GraphQL error, under either accepted media type", async (_name, body) => {
    for (const accept of [GRAPHQL_RESPONSE, "application/json"]) {
      const response = await fetch(`${url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", accept },
        body: body as BodyInit,
      });
      expect(response.status).toBe(400);
      const result = await jsonOf(response);
      expect(result.errors[0]).toMatchObject({ message: "POST body sent invalid JSON." });
      expect(result).not.toHaveProperty("data");
    }
    await expectStillServing(url);
  });

  it.each([
    ["null", "null", "expected to be object"],
    ["a string", '"{ __typename }"', "expected to be object"],
    ["a number", "42", "expected to be object"],
    ["a query that is not a string", JSON.stringify({ query: 42 }), '"query" param to be a string'],
    ["no query", JSON.stringify({ variables: {} }), "Must provide query string"],
    ["variables that are not a map", JSON.stringify({ query: "{ __typename }", variables: "x" }), '"variables" param'],
    ["extensions that are not a map", JSON.stringify({ query: "{ __typename }", extensions: [1] }), '"extensions" param'],
    ["an unknown top-level key", JSON.stringify({ query: "{ __typename }", mutation: "x" }), "Unexpected parameter"],
    ["a __proto__ key", '{"query":"{ __typename }","__proto__":{"polluted":true}}', "Unexpected parameter"],
  ])("a JSON body with %s: 400", async (_name, body, message) => {
    const response = await postJson(url, body);
    expect(response.status).toBe(400);
    expect((await jsonOf(response)).errors[0].message).toContain(message);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("a deeply nested JSON value (100,000 levels) is parsed without a stack overflow and ignored", async () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    const response = await postJson(url, `{"query":"{ __typename }","variables":{"unused":${deep}}}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { __typename: "Query" } });
  });
});

describe("content types", () => {
  it.each([
    ["text/plain (a CORS-simple type)", "text/plain"],
    ["application/x-www-form-urlencoded (an HTML form)", "application/x-www-form-urlencoded"],
    ["multipart/form-data (an HTML form / upload)", "multipart/form-data; boundary=x"],
    ["application/graphql (a bare query)", "application/graphql"],
    ["application/xml", "application/xml"],
  ])("POST with %s: 415, and nothing runs", async (_name, contentType) => {
    const queriesBefore = harness.queries.length;
    const body =
      contentType === "application/x-www-form-urlencoded"
        ? "query=%7B%20generations%20%7B%20totalCount%20%7D%20%7D"
        : contentType.startsWith("multipart/")
          ? '--x\r\nContent-Disposition: form-data; name="query"\r\n\r\n{ generations { totalCount } }\r\n--x--\r\n'
          : "{ generations { totalCount } }";
    const response = await fetch(`${url}/graphql`, {
      method: "POST",
      headers: { "content-type": contentType, accept: GRAPHQL_RESPONSE },
      body,
    });
    expect(response.status).toBe(415);
    expect((await jsonOf(response)).errors[0].message).toMatch(/Content-Type: application\/json/);
    expect(harness.queries.length).toBe(queriesBefore);
  });

  it("POST without a Content-Type: 415", async () => {
    const response = await fetch(`${url}/graphql`, {
      method: "POST",
      headers: { accept: GRAPHQL_RESPONSE },
      body: new Blob([JSON.stringify({ query: "{ __typename }" })]), // a Blob of no type sends no header
    });
    expect(response.status).toBe(415);
  });

  it("accepts application/json with a charset parameter", async () => {
    const response = await postJson(url, { query: "{ __typename }" }, { "content-type": "application/json; charset=utf-8" });
    expect(response.status).toBe(200);
  });

  it("an Accept the gateway cannot produce: 406", async () => {
    const response = await postJson(url, { query: "{ __typename }" }, { accept: "application/xml" });
    expect(response.status).toBe(406);
  });
});

describe("body size", () => {
  it(`the default limit is ${DEFAULT_MAX_REQUEST_BYTES} bytes: a body of exactly that size is served`, async () => {
    const response = await postJson(url, bodyOfSize(DEFAULT_MAX_REQUEST_BYTES));
    expect(response.status).toBe(200);
  });

  it("one byte more, announced by Content-Length: 413 before the body is parsed", async () => {
    const response = await postJson(url, bodyOfSize(DEFAULT_MAX_REQUEST_BYTES + 1));
    expect(response.status).toBe(413);
    expect((await jsonOf(response)).errors[0].extensions.code).toBe("REQUEST_ENTITY_TOO_LARGE");
    await expectStillServing(url);
  });

  it("a chunked body (no Content-Length) is counted as it streams: 413 once it passes the limit", async () => {
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = http.request(
        `${url}/graphql`,
        { method: "POST", headers: { "content-type": "application/json", "transfer-encoding": "chunked" } },
        (response) => {
          let text = "";
          response.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
          response.on("end", () => resolve({ status: response.statusCode ?? 0, body: text }));
        },
      );
      // The server may stop reading once it has answered: a reset while still writing is fine.
      request.on("error", (error) => (error.message.includes("EPIPE") ? undefined : reject(error)));
      request.write('{"query":"{ __typename }","variables":{"padding":"');
      const chunk = "a".repeat(64 * 1024);
      let sent = 0;
      const pump = () => {
        while (sent < 4 * DEFAULT_MAX_REQUEST_BYTES) {
          sent += chunk.length;
          if (!request.write(chunk)) return void request.once("drain", pump);
        }
        request.end('"}}');
      };
      pump();
    });
    expect(status).toBe(413);
    expect(JSON.parse(body).errors[0].extensions.code).toBe("REQUEST_ENTITY_TOO_LARGE");
    await expectStillServing(url);
  });

  it("the limit is configurable (MAX_REQUEST_BYTES)", async () => {
    const small = variantGateway(harness, { maxRequestBytes: 2_048 });
    expect((await fetchOn(small, JSON.parse(bodyOfSize(2_048)))).status).toBe(200);
    expect((await fetchOn(small, JSON.parse(bodyOfSize(2_049)))).status).toBe(413);
  });

  it("a Content-Length that is not a number is refused by the HTTP parser (400), and the server lives on", async () => {
    const status = await rawStatus(
      "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n{}",
    );
    expect(status).toBe(400);
    await expectStillServing(url);
  });

  it("a URL longer than the header limit: 431, and the server lives on", async () => {
    const response = await fetch(`${url}/graphql?query=${"x".repeat(20_000)}`);
    expect(response.status).toBe(431);
    await expectStillServing(url);
  });
});

describe("methods and operations", () => {
  const GENERATE = `mutation { generateVideo(input: { prompt: "a", imageUrl: "https://images.example.com/a.png", duration: 5, resolution: SD_480P }) { __typename } }`;

  it("GET with a mutation: 405 with Allow: POST, and nothing is stored", async () => {
    const response = await fetch(`${url}/graphql?query=${encodeURIComponent(GENERATE)}`, {
      headers: { accept: GRAPHQL_RESPONSE },
    });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
    expect((await jsonOf(response)).errors[0].message).toMatch(/mutation.*POST/);
    expect(await harness.db.generation.count()).toBe(0);
  });

  it("GET with a query works (GET is for reads)", async () => {
    const response = await fetch(`${url}/graphql?query=${encodeURIComponent("{ __typename }")}`, {
      headers: { accept: GRAPHQL_RESPONSE },
    });
    expect(response.status).toBe(200);
  });

  it.each([
    ["variables", "variables={bad"],
    ["extensions", "extensions=["],
  ])("GET with %s that are not JSON: 400 (not a masked internal error)", async (_name, parameter) => {
    const response = await fetch(`${url}/graphql?query=${encodeURIComponent("{ __typename }")}&${parameter}`, {
      headers: { accept: GRAPHQL_RESPONSE },
    });
    expect(response.status).toBe(400);
    expect((await jsonOf(response)).errors[0].extensions.code).toBe("BAD_REQUEST");
    expect(harness.logs.filter((line) => line.includes('"level":"error"'))).toEqual([]);
  });

  it.each(["PUT", "DELETE", "PATCH"])("%s: 405 with Allow: GET, POST", async (method) => {
    const response = await fetch(`${url}/graphql`, { method, headers: { "content-type": "application/json" }, body: "{}" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET, POST");
  });

  it("an operationName the document does not define: 400", async () => {
    for (const accept of [GRAPHQL_RESPONSE, "application/json"]) {
      const response = await postJson(url, { query: "query A { __typename }", operationName: "B" }, { accept });
      expect(response.status).toBe(400);
      expect((await jsonOf(response)).errors[0].message).toMatch(/operation/i);
    }
  });

  it("several operations and no operationName: 400", async () => {
    const response = await postJson(url, { query: "query A { __typename } query B { __typename }" });
    expect(response.status).toBe(400);
  });

  it("batched requests are not supported (no need for them; each is a full request): 400, none runs", async () => {
    const queriesBefore = harness.queries.length;
    const response = await postJson(url, [
      { query: "{ generations { totalCount } }" },
      { query: "{ generations { totalCount } }" },
    ]);
    expect(response.status).toBe(400);
    expect((await jsonOf(response)).errors[0].message).toMatch(/Batching is not supported/);
    expect(harness.queries.length).toBe(queriesBefore);
  });

  it("an empty batch: 400", async () => {
    expect((await postJson(url, [])).status).toBe(400);
  });
});

it("after all of the above the gateway logged no error and still serves", async () => {
  expect(harness.logs.filter((line) => line.includes('"level":"error"'))).toEqual([]);
  await expectStillServing(url);
});
