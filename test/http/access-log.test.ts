import { afterAll, beforeAll, expect, it } from "vitest";
import { databaseTargets } from "../support/databases";
import { type Harness, VALID_INPUT, localId, startHarness } from "../support/harness";
import { type SeededTeam, seedTeam } from "../support/teams";
import { postJson } from "./helpers";

/**
 * One JSON access-log line per HTTP request, from real HTTP requests: request id (a proxy's,
 * when well formed), operation, status, duration, team; never a key, a prompt or a Segmind
 * body. And a Server-Timing header with the time spent in the gateway.
 */
const [sqlite] = databaseTargets();
const PROMPT = "A lighthouse keeper's secret prompt 7c1d9e";

let harness: Harness;
let url: string;
let team: SeededTeam;

beforeAll(async () => {
  harness = await startHarness(sqlite!);
  url = await harness.listen();
  team = await seedTeam(harness.db, "acme", { app: "generate,read" });
});
afterAll(() => harness?.close());

const accessLines = () =>
  harness.logs.map((line) => JSON.parse(line) as Record<string, any>).filter((entry) => entry.message === "request");
const lineFor = (requestId: string) => accessLines().filter((entry) => entry.requestId === requestId);

const GENERATE = `mutation MakeBoat($input: GenerateVideoInput!) {
  generateVideo(input: $input) { __typename ... on GenerateVideoPayload { generation { id } } }
}`;

it("a team's mutation: one line with the proxy's request id, operation, status, duration and team; Server-Timing", async () => {
  const response = await postJson(
    url,
    { query: GENERATE, variables: { input: { ...VALID_INPUT, prompt: PROMPT } }, operationName: "MakeBoat" },
    { authorization: `Bearer ${team.keys.app}`, "x-request-id": "edge-7f3a.42_b" },
  );
  expect(response.status).toBe(200);
  const body = await response.json();
  expect(body.data.generateVideo.__typename).toBe("GenerateVideoPayload");
  expect(response.headers.get("x-request-id")).toBe("edge-7f3a.42_b");
  expect(response.headers.get("server-timing")).toMatch(/^gateway;dur=\d+(\.\d)?$/);
  await harness.waitForStatus(localId(body.data.generateVideo.generation.id), ["SUCCEEDED"]);

  const lines = lineFor("edge-7f3a.42_b");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toEqual({
    level: "info",
    time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    message: "request",
    requestId: "edge-7f3a.42_b",
    method: "POST",
    path: "/graphql",
    status: 200,
    durationMs: expect.any(Number),
    operationName: "MakeBoat",
    operationType: "mutation",
    teamId: team.id,
    keyPrefix: team.prefixes.app,
  });
  const serverTiming = Number(response.headers.get("server-timing")?.split("dur=")[1]);
  expect(lines[0]!.durationMs).toBe(serverTiming);

  // Nothing in the whole log holds the key, the prompt or a Segmind body.
  const everything = harness.logs.join("\n");
  expect(everything).not.toContain(team.keys.app!);
  expect(everything).not.toContain(PROMPT);
  expect(everything).not.toContain("request_id");
  expect(everything).not.toContain(VALID_INPUT.imageUrl);
});

it("a malformed x-request-id is replaced by one of ours; every request gets exactly one line", async () => {
  const before = accessLines().length;
  const forged = 'x"\n{"level":"error"}';
  const responses = [
    await fetch(`${url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": encodeURIComponent(forged) },
      body: JSON.stringify({ query: "{ __typename }" }),
    }),
    await fetch(`${url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "a".repeat(65) },
      body: JSON.stringify({ query: "{ __typename }" }),
    }),
    await fetch(`${url}/nowhere`),
  ];
  for (const response of responses) await response.arrayBuffer();
  const ids = responses.map((response) => response.headers.get("x-request-id") as string);
  for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
  expect(accessLines().length - before).toBe(3);
  expect(lineFor(ids[0]!)[0]).toMatchObject({ status: 200, operationName: null, operationType: "query", teamId: null });
  expect(lineFor(ids[2]!)[0]).toMatchObject({ status: 404, path: "/nowhere", operationName: null });
});

it("refusals are logged with their status and error codes; a video's URL is logged without its key", async () => {
  const refused = await postJson(url, { query: "query Who { credits { spentUsd } }" }, { authorization: "Bearer sgw_live_nope_0000" });
  await refused.arrayBuffer();
  expect(refused.status).toBe(401);
  expect(lineFor(refused.headers.get("x-request-id")!)[0]).toMatchObject({
    status: 401,
    operationName: "Who",
    operationType: "query",
    teamId: null,
    errorCodes: ["UNAUTHENTICATED"],
  });
  expect(harness.logs.join("\n")).not.toContain("sgw_live_nope_0000");

  const video = await fetch(`${url}/media/generations/0193a0b0-0000-7000-8000-000000000000.mp4`);
  await video.arrayBuffer();
  expect(video.status).toBe(404);
  expect(lineFor(video.headers.get("x-request-id")!)[0]).toMatchObject({ status: 404, path: "/media/…" });
  expect(harness.logs.join("\n")).not.toContain("0193a0b0-0000-7000-8000-000000000000");
});
