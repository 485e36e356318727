import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_LIST_ITEMS } from "../../src/http/argument-bounds";
import { PROMPT_MAX_LENGTH } from "../../src/generations/validation";
import { type TestTeam, makeTeam } from "../budget/support";
import { describeEachDatabase } from "../support/databases";
import { type Harness, VALID_INPUT, startHarness } from "../support/harness";

/**
 * Every list and string argument is bounded: 60,000-character strings and 15,000–90,000-item
 * lists get a typed answer (ARGUMENT_TOO_LARGE for query arguments, InvalidInputError for
 * mutation inputs), never INTERNAL_SERVER_ERROR from the database ("LIKE or GLOB pattern too
 * complex", "query parameter limit exceeded"), on SQLite and PostgreSQL alike.
 */
const LONG = "a".repeat(60_000);
const statuses = (n: number) => Array.from({ length: n }, (_, i) => (i % 2 === 0 ? "QUEUED" : "FAILED"));
const ids = (n: number) => Array.from({ length: n }, (_, i) => `x${i}`);

const QUERIES: Array<[string, string, Record<string, unknown>, string]> = [
  ["promptContains of 60,000 characters", "query($f: GenerationFilter) { generations(first: 5, filter: $f) { totalCount } }", { f: { promptContains: LONG } }, "Query.generations.filter.promptContains"],
  ["videoSha256 of 60,000 characters", "query($f: GenerationFilter) { generations(first: 5, filter: $f) { totalCount } }", { f: { videoSha256: LONG } }, "Query.generations.filter.videoSha256"],
  ["a status filter of 15,000 items", "query($f: GenerationFilter) { generations(first: 5, filter: $f) { totalCount } }", { f: { status: statuses(15_000) } }, "Query.generations.filter.status"],
  ["a status filter of 90,000 items", "query($f: GenerationFilter) { generations(first: 5, filter: $f) { totalCount } }", { f: { status: statuses(90_000) } }, "Query.generations.filter.status"],
  ["a cursor of 60,000 characters", "query($a: String) { generations(first: 5, after: $a) { totalCount } }", { a: LONG }, "Query.generations.after"],
  ["nodes(ids:) of 15,000 items", "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", { ids: ids(15_000) }, "Query.nodes.ids"],
  ["nodes(ids:) of 90,000 items", "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", { ids: ids(90_000) }, "Query.nodes.ids"],
  ["nodes(ids:) with an id of 60,000 characters", "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", { ids: [LONG] }, "Query.nodes.ids"],
  ["node(id:) of 60,000 characters", "query($id: ID!) { node(id: $id) { id } }", { id: LONG }, "Query.node.id"],
  ["generation(id:) of 60,000 characters", "query($id: ID!) { generation(id: $id) { id } }", { id: LONG }, "Query.generation.id"],
  ["videoOrigin(resultUrl:) of 60,000 characters", "query($u: String) { videoOrigin(resultUrl: $u) { id } }", { u: LONG }, "Query.videoOrigin.resultUrl"],
  ["videoOrigin(sha256:) of 60,000 characters", "query($s: String) { videoOrigin(sha256: $s) { id } }", { s: LONG }, "Query.videoOrigin.sha256"],
  ["credits.ledger(generationId:) of 60,000 characters", "query($g: ID) { credits { ledger(first: 5, generationId: $g) { totalCount } } }", { g: LONG }, "Credits.ledger.generationId"],
  ["a 60,000-character literal in the document", `{ generations(first: 5, filter: { promptContains: "${LONG}" }) { totalCount } }`, {}, "Query.generations.filter.promptContains"],
];

const ADMIN_QUERIES: Array<[string, string, Record<string, unknown>, string]> = [
  ["auditEvents keyPrefix of 60,000 characters", "query($f: AuditEventFilter) { auditEvents(first: 5, filter: $f) { edges { node { sequence } } } }", { f: { keyPrefix: LONG } }, "Query.auditEvents.filter.keyPrefix"],
  ["auditEvents actions of 15,000 items", "query($f: AuditEventFilter) { auditEvents(first: 5, filter: $f) { edges { node { sequence } } } }", { f: { action: Array(15_000).fill("GENERATION_CREATED") } }, "Query.auditEvents.filter.action"],
  ["credits.ledger(teamId:) of 60,000 characters", "query($t: ID) { credits { ledger(first: 5, teamId: $t) { totalCount } } }", { t: LONG }, "Credits.ledger.teamId"],
];

describeEachDatabase("argument bounds", (target) => {
  let harness: Harness;
  let team: TestTeam;
  let admin: TestTeam;

  beforeAll(async () => {
    harness = await startHarness(target, { start: false });
    team = await makeTeam(harness.db);
    admin = await makeTeam(harness.db, {}, {}, "admin");
    await harness.gqlAs(team.key, `mutation($input: GenerateVideoInput!) { generateVideo(input: $input) { __typename } }`, { input: VALID_INPUT });
  });
  afterAll(() => harness?.close());

  const expectTooLarge = (result: any, argument: string) => {
    expect(result.data ?? null).toBeNull();
    expect(result.errors).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/is too large .*; at most \d+ (characters|items)\.$/),
        extensions: expect.objectContaining({ code: "ARGUMENT_TOO_LARGE", argument, limit: expect.any(Number) }),
      }),
    ]);
  };

  describe("queries: ARGUMENT_TOO_LARGE, nothing runs", () => {
    it.each(QUERIES)("%s", async (_name, query, variables, argument) => {
      const before = harness.queries.length;
      expectTooLarge(await harness.gqlAs(team.key, query, variables), argument);
      // Refused before any resolver: no database work beyond authenticating the key.
      expect(harness.queries.slice(before).filter((q) => q.model === "Generation" || q.model === "LedgerEntry")).toEqual([]);
    });

    it.each(ADMIN_QUERIES)("%s (admin key)", async (_name, query, variables, argument) => {
      expectTooLarge(await harness.gqlAs(admin.key, query, variables), argument);
    });
  });

  it("values at the limits are served", async () => {
    const page = await harness.gqlAs(team.key, "query($f: GenerationFilter) { generations(first: 5, filter: $f) { totalCount } }", {
      f: { promptContains: "b".repeat(PROMPT_MAX_LENGTH), status: statuses(MAX_LIST_ITEMS) },
    });
    expect(page).toEqual({ data: { generations: { totalCount: 0 } } });
    const nodes = await harness.gqlAs(team.key, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {
      ids: Array.from({ length: MAX_LIST_ITEMS }, () => Buffer.from("Generation:0190c8f8-0000-7000-8000-000000000000").toString("base64")),
    });
    expect(nodes.errors).toBeUndefined();
    expect(nodes.data.nodes).toHaveLength(MAX_LIST_ITEMS);
  });

  it("a subscription's status list of 15,000 items: ARGUMENT_TOO_LARGE, 400, no stream", async () => {
    const url = await harness.listen();
    const response = await fetch(`${url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream", authorization: `Bearer ${team.key}` },
      body: JSON.stringify({
        query: "subscription($s: [GenerationStatus!]) { generationsUpdated(status: $s, after: 0) { sequence } }",
        variables: { s: statuses(15_000) },
      }),
    });
    expect(response.status).toBe(400);
    const text = await response.text();
    const payload = JSON.parse(text.startsWith("{") ? text : (/^data: (.*)$/m.exec(text)?.[1] ?? "null"));
    expectTooLarge(payload, "Subscription.generationsUpdated.status");
  });

  describe("mutation inputs: the typed InvalidInputError naming the field", () => {
    const GENERATE = `mutation($input: GenerateVideoInput!) { generateVideo(input: $input) { __typename ... on InvalidInputError { fields { field } } } }`;
    it.each([
      ["prompt", { prompt: LONG }],
      ["imageUrl", { imageUrl: `https://images.example.com/${LONG}` }],
      ["idempotencyKey", { idempotencyKey: LONG }],
    ])("generateVideo with a 60,000-character %s", async (field, patch) => {
      const result = await harness.gqlAs(team.key, GENERATE, { input: { ...VALID_INPUT, ...patch } });
      expect(result.errors).toBeUndefined();
      expect(result.data.generateVideo).toEqual({ __typename: "InvalidInputError", fields: [{ field }] });
    });

    it("regenerateVideo with a 60,000-character prompt override; a 60,000-character id", async () => {
      const source = await harness.db.generation.findFirstOrThrow({ where: { teamId: team.teamId } });
      const REGENERATE = `mutation($id: ID!, $o: RegenerateOverrides) { regenerateVideo(id: $id, overrides: $o) { __typename ... on InvalidInputError { fields { field } } } }`;
      const result = await harness.gqlAs(team.key, REGENERATE, { id: source.id, o: { prompt: LONG } });
      expect(result.errors).toBeUndefined();
      expect(result.data.regenerateVideo).toEqual({ __typename: "InvalidInputError", fields: [{ field: "prompt" }] });
      expectTooLarge(await harness.gqlAs(team.key, REGENERATE, { id: LONG }), "Mutation.regenerateVideo.id");
      expectTooLarge(await harness.gqlAs(team.key, `mutation($id: ID!) { cancelGeneration(id: $id) { __typename } }`, { id: LONG }), "Mutation.cancelGeneration.id");
    });
  });

  it("logged no unexpected error", () => {
    const errors = harness.logs.map((line) => JSON.parse(line)).filter((entry) => entry.level === "error" || entry.level === 50);
    expect(errors).toEqual([]);
  });
});
