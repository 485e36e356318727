import { afterAll, beforeAll, expect, it } from "vitest";
import { mintApiKey } from "../../src/auth/api-keys";
import { revokeKey } from "../../src/auth/manage";
import { describeEachDatabase } from "../support/databases";
import { type Harness, VALID_INPUT, startHarness } from "../support/harness";
import { type SeededTeam, manageDeps, seedTeam } from "../support/teams";

const MESSAGE = "Missing or invalid API key. Send `Authorization: Bearer <key>`.";
const WHO = "{ generations(first: 1) { totalCount } }";

/** One GraphQL request over the gateway's fetch, with exactly these headers. */
async function post(harness: Harness, headers: Record<string, string>, query = WHO, base = "http://gateway.test") {
  const response = await harness.gateway.yoga.fetch(`${base}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json", ...headers },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

function expectUnauthenticated(result: { status: number; headers: Headers; body: any }) {
  expect(result.status).toBe(401);
  expect(result.headers.get("www-authenticate")).toBe("Bearer");
  expect(result.body.data ?? null).toBeNull();
  expect(result.body.errors).toHaveLength(1);
  expect(result.body.errors[0].message).toBe(MESSAGE);
  expect(result.body.errors[0].extensions.code).toBe("UNAUTHENTICATED");
}

describeEachDatabase("authentication", (target) => {
  let closed: Harness; // anonymous use not allowed (a gateway with a real Segmind key)
  let open: Harness; // anonymous use allowed (sandbox mode's default)
  let acme: SeededTeam;
  let revoked: string;
  /** Every wrong Authorization header, each of which must get the very same answer. */
  let wrongHeaders: Record<string, string>;

  beforeAll(async () => {
    closed = await startHarness(target, { start: false, allowAnonymous: false });
    open = await startHarness(target, { start: false, allowAnonymous: true, database: closed.database });
    acme = await seedTeam(closed.db, "acme", { app: "generate,read", old: "generate,read", reader: "read" });
    revoked = acme.keys.old as string;
    await revokeKey(manageDeps(closed.db), acme.prefixes.old as string);
    const valid = acme.keys.app as string;
    wrongHeaders = {
      "empty header": "",
      "scheme only": "Bearer",
      "another scheme": `Basic ${Buffer.from("user:pass").toString("base64")}`,
      "not a key": "Bearer hunter2",
      "a Segmind key": "Bearer SG_0123456789abcdef",
      "truncated key": `Bearer ${valid.slice(0, -1)}`,
      "key with junk after it": `Bearer ${valid}x`,
      "two tokens": `Bearer ${valid} ${valid}`,
      "unknown key": `Bearer ${mintApiKey().key}`,
      "right prefix, wrong secret": `Bearer ${valid.slice(0, -4)}AAAA`,
      "revoked key": `Bearer ${revoked}`,
    };
  });
  afterAll(async () => {
    await open?.close({ keepDatabase: true });
    await closed?.close();
  });

  it("refuses a request without a key when anonymous use is off: 401 UNAUTHENTICATED", async () => {
    expectUnauthenticated(await post(closed, {}));
    // Before anything else: no query field, mutation or subscription runs.
    expectUnauthenticated(await post(closed, {}, "mutation { cancelGeneration(id: \"x\") { __typename } }"));
  });

  it("answers malformed, unknown and revoked keys identically, anonymous use allowed or not", async () => {
    for (const harness of [closed, open]) {
      for (const [what, header] of Object.entries(wrongHeaders)) {
        const result = await post(harness, { authorization: header });
        try {
          expectUnauthenticated(result);
        } catch (error) {
          throw new Error(`${what}: ${(error as Error).message}`);
        }
      }
    }
  });

  it("lets a valid key in, case-insensitively on the scheme, and records when it was last used", async () => {
    const before = await closed.db.apiKey.findUniqueOrThrow({ where: { prefix: acme.prefixes.app } });
    expect(before.lastUsedAt).toBeNull();
    for (const scheme of ["Bearer", "bearer"]) {
      const result = await post(closed, { authorization: `${scheme} ${acme.keys.app}` });
      expect(result.status).toBe(200);
      expect(result.body).toEqual({ data: { generations: { totalCount: 0 } } });
    }
    const after = await closed.db.apiKey.findUniqueOrThrow({ where: { prefix: acme.prefixes.app } });
    expect(after.lastUsedAt).toBeInstanceOf(Date);
  });

  it("lets anonymous callers in only where allowed, as the anonymous principal", async () => {
    const anonymous = await post(open, {});
    expect(anonymous.status).toBe(200);
    expect(anonymous.body.data.generations.totalCount).toBe(0);
  });

  it("refuses a key lacking the scope with FORBIDDEN, saying nothing about whether the target exists", async () => {
    const created = await open.gqlAs(acme.keys.app as string, GENERATE, { input: VALID_INPUT });
    const existing = created.data.generateVideo.generation.id;
    const missing = "01900000-0000-7000-8000-000000000000";
    const answers = [];
    for (const id of [existing, missing]) {
      const result = await post(open, { authorization: `Bearer ${acme.keys.reader}` }, `mutation { cancelGeneration(id: "${id}") { __typename } }`);
      expect(result.status).toBe(403);
      expect(result.body.errors[0].extensions.code).toBe("FORBIDDEN");
      expect(result.body.errors[0].message).toBe('This API key lacks the "generate" scope.');
      answers.push(result.body);
    }
    expect(answers[0]).toEqual(answers[1]);
    const generate = await post(open, { authorization: `Bearer ${acme.keys.reader}` }, `mutation { generateVideo(input: { prompt: "x", imageUrl: "https://example.com/a.png", duration: 5, resolution: SD_480P }) { __typename } }`);
    expect(generate.body.errors[0].extensions.code).toBe("FORBIDDEN");
    expect(await open.db.generation.count()).toBe(1);
  });

  it("refuses the same way over real HTTP, for queries, GET requests and subscriptions", async () => {
    const url = await closed.listen();
    const headerSets: Array<Record<string, string>> = [{}, ...Object.values(wrongHeaders).map((h) => ({ authorization: h }))];
    for (const headers of headerSets) {
      const postResponse = await fetch(`${url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ query: WHO }),
      });
      expect(postResponse.status).toBe(401);
      expect(((await postResponse.json()) as any).errors[0]).toMatchObject({ message: MESSAGE, extensions: { code: "UNAUTHENTICATED" } });

      const getResponse = await fetch(`${url}/graphql?query=${encodeURIComponent(WHO)}`, {
        headers: { accept: "application/graphql-response+json", ...headers },
      });
      expect(getResponse.status).toBe(401);
      await getResponse.body?.cancel();

      const sse = await fetch(`${url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream", ...headers },
        body: JSON.stringify({ query: "subscription { generationsUpdated { sequence } }" }),
      });
      expect(sse.status).toBe(401);
      await sse.body?.cancel();
    }
    const ok = await fetch(`${url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${acme.keys.app}` },
      body: JSON.stringify({ query: WHO }),
    });
    expect(ok.status).toBe(200);
  });
});

const GENERATE = `mutation($input: GenerateVideoInput!) {
  generateVideo(input: $input) { __typename ... on GenerateVideoPayload { generation { id } } }
}`;
