import net from "node:net";
import type { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MediaStore } from "../../src/media/store";
import { databaseTargets } from "../support/databases";
import { type Harness, startHarness } from "../support/harness";
import { expectStillServing, fetchOn, jsonOf, postJson, variantGateway } from "./helpers";

/**
 * No request, however odd, gets a 5xx with a stack or a path in its body: request targets in
 * absolute form, Host headers that make no URL, media keys the file system cannot take,
 * Content-Type spellings yoga does not know, and a final net for anything that still escapes.
 * Also: with introspection off, no error suggests schema names. One database is enough: none
 * of this reaches it.
 */
const target = databaseTargets()[0]!;
let harness: Harness;
let url: string;

beforeAll(async () => {
  harness = await startHarness(target, { start: false });
  url = await harness.listen();
});
afterAll(() => harness?.close());

const STACK_MARKERS = ["    at ", "node_modules", ".ts:", "TypeError", "ENAMETOOLONG", "/src/"];
function expectNoStack(body: string): void {
  for (const marker of STACK_MARKERS) expect(body).not.toContain(marker);
}

/** Sends raw bytes on a fresh connection; resolves with the status and body once it closes. */
function raw(request: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(new URL(url).port), "127.0.0.1");
    let received = "";
    socket.on("data", (chunk) => {
      received += chunk.toString("latin1");
    });
    socket.on("error", reject);
    socket.on("close", () => {
      const match = /^HTTP\/1\.1 (\d{3})/.exec(received);
      if (!match) return reject(new Error(`no status line: ${JSON.stringify(received.slice(0, 200))}`));
      resolve({ status: Number(match[1]), body: received.slice(received.indexOf("\r\n\r\n") + 4) });
    });
    socket.write(request);
  });
}

function post(target: string, host: string, body = '{"query":"{ __typename }"}'): string {
  return (
    `POST ${target} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\n` +
    `Accept: application/json\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

describe("request targets and Host headers (over a raw socket, on a listening server)", () => {
  it("an absolute-form target (RFC 9112 §3.2.2) is served as its path, not a 500 with a stack", async () => {
    const answer = await raw(post("http://evil.example/graphql", new URL(url).host));
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('{"data":{"__typename":"Query"}}');
    expectNoStack(answer.body);
  });

  it.each([
    ["absolute-form to an unknown path", post("http://evil.example/nothing-here", "127.0.0.1")],
    ["absolute-form with a port and a query", post("https://evil.example:8443/graphql?x=1", "127.0.0.1")],
    ["absolute-form of another scheme", post("ftp://evil.example/graphql", "127.0.0.1")],
    ["authority-form outside CONNECT", post("evil.example:80", "127.0.0.1")],
    ["asterisk-form", "OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"],
    ["a Host header with a space", post("/graphql", "evil example")],
    ["a Host header with a bad port", post("/graphql", "127.0.0.1:99999999")],
    ["a Host header that is a bracket", post("/graphql", "[::1")],
    ["absolute-form to the media route, with a too-long key", `GET http://x.example/media/${"a".repeat(300)} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`],
  ])("%s: a 4xx or served, never a stack", async (_name, request) => {
    const answer = await raw(request);
    expect(answer.status).toBeLessThan(500);
    expectNoStack(answer.body);
  });
});

describe("media keys are checked before they reach the file system", () => {
  it.each([
    ["300 characters", "a".repeat(300)],
    ["5,000 characters", "a".repeat(5_000)],
    ["a 129-character segment", `generations/${"b".repeat(129)}.mp4`],
    ["many segments", Array.from({ length: 40 }, () => "c".repeat(20)).join("/")],
  ])("GET /media/<%s>: 404, no stack", async (_name, key) => {
    const response = await fetch(`${url}/media/${key}`);
    const body = await response.text();
    expect(response.status).toBe(404);
    expectNoStack(body);
  });
});

describe("Content-Type spellings (media types are case-insensitive, RFC 9110 §8.3.1)", () => {
  it.each([
    "APPLICATION/JSON",
    "Application/Json; Charset=UTF-8",
    "application/json ; charset=utf-8",
    " application/json",
    "application/json;charset=\"utf-8\"",
    "APPLICATION/GRAPHQL+JSON",
  ])("%j is served", async (contentType) => {
    const response = await postJson(url, { query: "{ __typename }" }, { "content-type": contentType });
    expect(response.status).toBe(200);
    expect(await jsonOf(response)).toEqual({ data: { __typename: "Query" } });
  });

  it("a differently spelt JSON type keeps the JSON rules: invalid JSON is 400, a non-object 400", async () => {
    const bad = await postJson(url, "{nope", { "content-type": "APPLICATION/JSON" });
    expect(bad.status).toBe(400);
    expect((await jsonOf(bad)).errors[0].message).toBe("POST body sent invalid JSON.");
    const scalar = await postJson(url, "42", { "content-type": "Application/Json" });
    expect(scalar.status).toBe(400);
  });
});

describe("no schema suggestions with introspection off (production)", () => {
  const cases: Array<[string, { query: string; variables?: Record<string, unknown> }]> = [
    ["an enum literal", { query: `{ generations(filter: { status: [QUEUD] }) { totalCount } }` }],
    [
      "an enum value in variables",
      {
        query: "mutation($input: GenerateVideoInput!) { generateVideo(input: $input) { __typename } }",
        variables: { input: { prompt: "x", imageUrl: "https://a.example/x.png", duration: 5, resolution: "SD_48P" } },
      },
    ],
    [
      "an input field in variables",
      {
        query: "mutation($input: GenerateVideoInput!) { generateVideo(input: $input) { __typename } }",
        variables: { input: { promt: "x", imageUrl: "https://a.example/x.png", duration: 5, resolution: "SD_480P" } },
      },
    ],
    ["an input field literal", { query: `{ generations(filter: { promptContain: "x" }) { totalCount } }` }],
    ["an argument name", { query: `{ generation(idd: "x") { id } }` }],
    ["a field name", { query: "{ credits { spentUsdd } }" }],
    ["a type name", { query: "{ node(id: \"x\") { ... on Generaton { id } } }" }],
  ];

  it.each(cases)("%s: the error names no other schema element", async (_name, body) => {
    const production = variantGateway(harness, { introspection: false, graphiql: false });
    const hidden = await jsonOf(await fetchOn(production, body));
    expect(hidden.errors?.length).toBeGreaterThan(0);
    for (const error of hidden.errors) expect(error.message).not.toMatch(/did you mean/i);

    // The same request with introspection on does suggest (what the switch hides is real).
    const development = variantGateway(harness, {});
    const shown = await jsonOf(await fetchOn(development, body));
    expect(shown.errors.some((error: { message: string }) => /Did you mean/.test(error.message))).toBe(true);
  });
});

describe("the final safety net", () => {
  const failing: MediaStore = {
    put: () => Promise.reject(new Error("not used")),
    stat: () => Promise.reject(Object.assign(new Error("EACCES: permission denied, stat '/srv/gateway/media/x'"), { code: "EACCES" })),
    read: () => {
      throw new Error("not used");
    },
    remove: () => Promise.resolve(),
  } as unknown as MediaStore & { read(): Readable };

  it("an error that escapes a route is a JSON 500 with the request id, logged with its stack", async () => {
    const gateway = variantGateway(harness, { media: failing });
    const response = await gateway.yoga.fetch("http://gateway.test/media/generations/x.mp4");
    const body = await response.text();
    expect(response.status).toBe(500);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    const requestId = response.headers.get("x-request-id");
    expect(requestId).toBeTruthy();
    expect(JSON.parse(body)).toEqual({
      errors: [{ message: "Unexpected error.", extensions: { code: "INTERNAL_SERVER_ERROR", requestId } }],
    });
    expectNoStack(body);
    expect(body).not.toContain("/srv/gateway");

    // The error line, besides the access-log line ("request") every request gets.
    const lines = harness.logs.map((line) => JSON.parse(line)).filter((entry) => entry.requestId === requestId);
    const logged = lines.filter((entry) => entry.message !== "request");
    expect(lines.filter((entry) => entry.message === "request")).toEqual([
      expect.objectContaining({ level: "warn", status: 500, path: "/media/…" }),
    ]);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: "error", path: "/media/generations/x.mp4" });
    expect(JSON.stringify(logged[0].error)).toContain("EACCES");
    expect(JSON.stringify(logged[0].error)).toMatch(/ {4}at /);
  });
});

it("after all of the above the gateway still serves", async () => {
  await expectStillServing(url);
});
