import { encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../support/databases";
import { type Harness, VALID_INPUT, startHarness } from "../support/harness";
import { subscribe } from "../support/sse";
import { type SeededTeam, seedTeam } from "../support/teams";

/**
 * Tenant isolation: a key of team alpha cannot read, cancel or subscribe to a generation of
 * team beta, by raw id, by global id, through node/nodes, through the connection under any
 * filter, or through either subscription; anonymous callers see only anonymous generations;
 * admin sees everything. Another team's generation is answered exactly like a missing one.
 */
const GENERATE = `mutation($input: GenerateVideoInput!) {
  generateVideo(input: $input) {
    __typename
    ... on GenerateVideoPayload { replayed generation { id idempotencyKey } }
    ... on Error { code message }
  }
}`;
const ONE = `query($id: ID!) { generation(id: $id) { id prompt } }`;
const NODE = `query($id: ID!) { node(id: $id) { id ... on Generation { prompt } } }`;
const NODES = `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`;
const LIST = `query($filter: GenerationFilter, $first: Int) {
  generations(first: $first, filter: $filter) { totalCount edges { node { id } } }
}`;
const CANCEL = `mutation($id: ID!) {
  cancelGeneration(id: $id) {
    __typename
    ... on CancelGenerationPayload { generation { id status } }
    ... on GenerationNotFoundError { code message generationId }
  }
}`;
const ONE_UPDATES = `subscription($id: ID!, $after: Int) {
  generationUpdated(id: $id, after: $after) { sequence generation { id } }
}`;
const ALL_UPDATES = `subscription($after: Int) {
  generationsUpdated(after: $after) { sequence event { toStatus } generation { id } }
}`;

const MISSING = "01900000-0000-7000-8000-000000000000";
const SHA_BETA = "b".repeat(64);
const SHA_ALPHA = "a".repeat(64);

describeEachDatabase("tenant isolation", (target) => {
  let harness: Harness;
  let baseUrl: string;
  let alpha: SeededTeam;
  let beta: SeededTeam;
  let ops: SeededTeam;
  let alphaKey: string;
  let betaKey: string;
  let adminKey: string;
  /** Global ids. */
  const ids = { alpha: "", alphaSpare: "", beta: "", betaSpare: "", anonymous: "" };
  const raw = (globalId: string) => Buffer.from(globalId, "base64").toString().split(":")[1] as string;

  async function generateAs(key: string | null, input: Record<string, unknown>) {
    const result = await harness.gqlAs(key, GENERATE, { input: { ...VALID_INPUT, ...input } });
    expect(result.errors).toBeUndefined();
    expect(result.data.generateVideo.__typename).toBe("GenerateVideoPayload");
    return result.data.generateVideo;
  }

  beforeAll(async () => {
    // The worker is not started: generations stay QUEUED, so cancels and queue positions are stable.
    harness = await startHarness(target, { start: false });
    baseUrl = await harness.listen();
    alpha = await seedTeam(harness.db, "alpha", { app: "generate,read" });
    beta = await seedTeam(harness.db, "beta", { app: "generate,read" });
    ops = await seedTeam(harness.db, "ops", { root: "admin" });
    alphaKey = alpha.keys.app as string;
    betaKey = beta.keys.app as string;
    adminKey = ops.keys.root as string;

    // The same prompt word and seed everywhere, so every filter would match every team's rows.
    ids.beta = (await generateAs(betaKey, { prompt: "beta lighthouse at dusk", seed: 111 })).generation.id;
    ids.alpha = (await generateAs(alphaKey, { prompt: "alpha lighthouse at dusk", seed: 111 })).generation.id;
    ids.anonymous = (await generateAs(null, { prompt: "anonymous lighthouse at dusk", seed: 111 })).generation.id;
    ids.betaSpare = (await generateAs(betaKey, { prompt: "beta spare", seed: 112 })).generation.id;
    ids.alphaSpare = (await generateAs(alphaKey, { prompt: "alpha spare", seed: 112 })).generation.id;
    // Finished videos, to find by their hash.
    for (const [id, sha] of [[ids.beta, SHA_BETA], [ids.alpha, SHA_ALPHA]] as const) {
      await harness.db.generation.update({ where: { id: raw(id) }, data: { status: "SUCCEEDED", videoSha256: sha, completedAt: new Date() } });
    }
  });
  afterAll(() => harness?.close());

  it("records the team and key of each generation", async () => {
    const row = await harness.db.generation.findUniqueOrThrow({ where: { id: raw(ids.alpha) } });
    expect(row.teamId).toBe(alpha.id);
    const key = await harness.db.apiKey.findUniqueOrThrow({ where: { prefix: alpha.prefixes.app } });
    expect(row.apiKeyId).toBe(key.id);
    expect((await harness.db.generation.findUniqueOrThrow({ where: { id: raw(ids.anonymous) } })).teamId).toBeNull();
  });

  it("generation(id): another team's, by raw or global id, is null exactly like a missing one", async () => {
    const missingAnswer = await harness.gqlAs(alphaKey, ONE, { id: MISSING });
    expect(missingAnswer).toEqual({ data: { generation: null } });
    for (const id of [ids.beta, raw(ids.beta), ids.anonymous, raw(ids.anonymous)]) {
      expect(await harness.gqlAs(alphaKey, ONE, { id })).toEqual(missingAnswer);
    }
    expect((await harness.gqlAs(alphaKey, ONE, { id: raw(ids.alpha) })).data.generation.id).toBe(ids.alpha);
    expect((await harness.gqlAs(betaKey, ONE, { id: ids.beta })).data.generation.prompt).toBe("beta lighthouse at dusk");
  });

  it("node and nodes: another team's generation is null", async () => {
    expect(await harness.gqlAs(alphaKey, NODE, { id: ids.beta })).toEqual({ data: { node: null } });
    expect(await harness.gqlAs(alphaKey, NODE, { id: encodeGlobalID("Generation", MISSING) })).toEqual({ data: { node: null } });
    expect((await harness.gqlAs(alphaKey, NODE, { id: ids.alpha })).data.node.prompt).toBe("alpha lighthouse at dusk");
    const nodes = await harness.gqlAs(alphaKey, NODES, { ids: [ids.alpha, ids.beta, ids.anonymous, ids.alphaSpare] });
    expect(nodes).toEqual({ data: { nodes: [{ id: ids.alpha }, null, null, { id: ids.alphaSpare }] } });
  });

  it("generations: every filter and totalCount see only the caller's team", async () => {
    const filters: Array<Record<string, unknown> | null> = [
      null,
      {},
      { status: ["QUEUED", "SUCCEEDED"] },
      { seed: 111 },
      { promptContains: "lighthouse" },
      { createdAfter: new Date(Date.now() - 3_600_000).toISOString() },
      { createdBefore: new Date(Date.now() + 3_600_000).toISOString() },
      { videoSha256: SHA_BETA },
      { videoSha256: SHA_ALPHA },
      { status: ["SUCCEEDED"], seed: 111, promptContains: "dusk", videoSha256: SHA_BETA.toUpperCase() },
    ];
    const visible = {
      alpha: new Set([ids.alpha, ids.alphaSpare]),
      beta: new Set([ids.beta, ids.betaSpare]),
      anonymous: new Set([ids.anonymous]),
      admin: new Set(Object.values(ids)),
    };
    for (const filter of filters) {
      const everything = await harness.gqlAs(adminKey, LIST, { filter, first: 100 });
      const all = everything.data.generations.edges.map((edge: any) => edge.node.id) as string[];
      for (const [who, key] of [["alpha", alphaKey], ["beta", betaKey], ["anonymous", null], ["admin", adminKey]] as const) {
        const result = await harness.gqlAs(key, LIST, { filter, first: 100 });
        expect(result.errors).toBeUndefined();
        const seen = result.data.generations.edges.map((edge: any) => edge.node.id) as string[];
        const expected = all.filter((id) => visible[who].has(id));
        expect(seen, `${who} with ${JSON.stringify(filter)}`).toEqual(expected);
        expect(result.data.generations.totalCount).toBe(expected.length);
      }
    }
    // The hash of another team's video finds nothing: the same answer as an unknown hash.
    const byForeignHash = await harness.gqlAs(alphaKey, LIST, { filter: { videoSha256: SHA_BETA } });
    expect(byForeignHash).toEqual(await harness.gqlAs(alphaKey, LIST, { filter: { videoSha256: "c".repeat(64) } }));
    expect(byForeignHash.data.generations).toEqual({ totalCount: 0, edges: [] });
  });

  it("generations: paging with another team's cursor still shows only the caller's rows", async () => {
    const betaPage = await harness.gqlAs(betaKey, `{ generations(first: 1) { edges { cursor node { id } } } }`);
    const cursor = betaPage.data.generations.edges[0].cursor;
    const alphaPage = await harness.gqlAs(alphaKey, `query($after: String) { generations(first: 10, after: $after) { edges { node { id } } } }`, { after: cursor });
    for (const edge of alphaPage.data.generations.edges) expect([ids.alpha, ids.alphaSpare]).toContain(edge.node.id);
  });

  it("cancelGeneration: another team's generation is not found, exactly like a missing one, and stays as it was", async () => {
    const missing = await harness.gqlAs(alphaKey, CANCEL, { id: MISSING });
    expect(missing.data.cancelGeneration).toMatchObject({ __typename: "GenerationNotFoundError", code: "NOT_FOUND" });
    for (const id of [ids.betaSpare, raw(ids.betaSpare), ids.anonymous]) {
      const result = await harness.gqlAs(alphaKey, CANCEL, { id });
      const withoutId = (answer: any) => ({ ...answer.data.cancelGeneration, message: answer.data.cancelGeneration.message.replace(/[0-9a-f-]{36}|[A-Za-z0-9=]{40,}/g, "<id>"), generationId: "<id>" });
      expect(withoutId(result)).toEqual(withoutId(missing));
    }
    const anonymousTry = await harness.gqlAs(null, CANCEL, { id: ids.betaSpare });
    expect(anonymousTry.data.cancelGeneration.__typename).toBe("GenerationNotFoundError");
    expect((await harness.db.generation.findUniqueOrThrow({ where: { id: raw(ids.betaSpare) } })).status).toBe("QUEUED");
    expect((await harness.db.generation.findUniqueOrThrow({ where: { id: raw(ids.anonymous) } })).status).toBe("QUEUED");
  });

  it("generationUpdated: another team's generation is 'Generation not found', like a missing one", async () => {
    const answers = [];
    for (const id of [MISSING, ids.beta, raw(ids.beta), ids.anonymous]) {
      const stream = await subscribe(baseUrl, ONE_UPDATES, { id }, { headers: { authorization: `Bearer ${alphaKey}` } });
      const first = await stream.next();
      expect(first.errors[0]).toMatchObject({ message: "Generation not found", extensions: { code: "NOT_FOUND" } });
      expect(await stream.next()).toBeNull();
      answers.push(first);
    }
    for (const answer of answers) expect(answer).toEqual(answers[0]);

    // Its own, and the admin any: the history comes.
    const own = await subscribe(baseUrl, ONE_UPDATES, { id: ids.alpha }, { headers: { authorization: `Bearer ${alphaKey}` } });
    expect((await own.next()).data.generationUpdated.generation.id).toBe(ids.alpha);
    own.close();
    const admin = await subscribe(baseUrl, ONE_UPDATES, { id: ids.beta }, { headers: { authorization: `Bearer ${adminKey}` } });
    expect((await admin.next()).data.generationUpdated.generation.id).toBe(ids.beta);
    admin.close();
  });

  it("generationsUpdated: replays and streams only the caller's generations' events (admin: all)", async () => {
    const replay = async (key: string | null) => {
      const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
      const stream = await subscribe(baseUrl, ALL_UPDATES, { after: 0 }, { headers });
      const seen = new Set<string>();
      const expected = await harness.db.generationEvent.count({
        where: key === adminKey ? {} : { generation: { teamId: key === alphaKey ? alpha.id : key === betaKey ? beta.id : null } },
      });
      for (let i = 0; i < expected; i += 1) seen.add((await stream.next()).data.generationsUpdated.generation.id);
      // Nothing more: another team's events never arrive.
      await expect(stream.next(400)).rejects.toThrow("no SSE message in time");
      stream.close();
      return seen;
    };
    expect(await replay(alphaKey)).toEqual(new Set([ids.alpha, ids.alphaSpare]));
    expect(await replay(betaKey)).toEqual(new Set([ids.beta, ids.betaSpare]));
    expect(await replay(null)).toEqual(new Set([ids.anonymous]));
    expect(await replay(adminKey)).toEqual(new Set(Object.values(ids)));

    // Live: beta's cancel comes first in sequence, alpha's stream skips it and shows its own.
    const alphaLive = await subscribe(baseUrl, ALL_UPDATES, {}, { headers: { authorization: `Bearer ${alphaKey}` } });
    const adminLive = await subscribe(baseUrl, ALL_UPDATES, {}, { headers: { authorization: `Bearer ${adminKey}` } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await harness.gqlAs(betaKey, CANCEL, { id: ids.betaSpare })).data.cancelGeneration.generation.status).toBe("CANCELED");
    expect((await harness.gqlAs(alphaKey, CANCEL, { id: ids.alphaSpare })).data.cancelGeneration.generation.status).toBe("CANCELED");
    const alphaFirst = (await alphaLive.next()).data.generationsUpdated;
    expect(alphaFirst).toMatchObject({ event: { toStatus: "CANCELED" }, generation: { id: ids.alphaSpare } });
    const adminSeen = [(await adminLive.next()).data.generationsUpdated.generation.id, (await adminLive.next()).data.generationsUpdated.generation.id];
    expect(adminSeen).toEqual([ids.betaSpare, ids.alphaSpare]);
    alphaLive.close();
    adminLive.close();
  });

  it("regenerateVideo and videoOrigin: another team's generation is not found, like a missing one", async () => {
    const REGENERATE = `mutation($id: ID!) { regenerateVideo(id: $id) { __typename ... on Error { code } } }`;
    const ORIGIN = `query($sha: String) { videoOrigin(sha256: $sha) { id } }`;
    const rows = await harness.db.generation.count();
    const missing = await harness.gqlAs(alphaKey, REGENERATE, { id: MISSING });
    expect(missing.data.regenerateVideo).toEqual({ __typename: "GenerationNotFoundError", code: "NOT_FOUND" });
    for (const id of [ids.beta, raw(ids.beta), ids.anonymous]) expect(await harness.gqlAs(alphaKey, REGENERATE, { id })).toEqual(missing);
    expect(await harness.db.generation.count()).toBe(rows);

    expect(await harness.gqlAs(alphaKey, ORIGIN, { sha: SHA_BETA })).toEqual({ data: { videoOrigin: null } });
    expect((await harness.gqlAs(betaKey, ORIGIN, { sha: SHA_BETA })).data.videoOrigin.id).toBe(ids.beta);
    expect((await harness.gqlAs(adminKey, ORIGIN, { sha: SHA_BETA })).data.videoOrigin.id).toBe(ids.beta);
  });

  it("idempotency keys are per team: the same key never replays another team's generation", async () => {
    const input = { prompt: "shared idempotency", seed: 300, idempotencyKey: "boat-1" };
    const a = await generateAs(alphaKey, input);
    const b = await generateAs(betaKey, input);
    const anonymous = await generateAs(null, input);
    expect(new Set([a.generation.id, b.generation.id, anonymous.generation.id]).size).toBe(3);
    expect([a.replayed, b.replayed, anonymous.replayed]).toEqual([false, false, false]);
    for (const created of [a, b, anonymous]) expect(created.generation.idempotencyKey).toBe("boat-1");
    const again = await generateAs(alphaKey, input);
    expect(again).toEqual({ ...a, replayed: true });
    // Different input under beta's key is beta's conflict only; alpha's own key is unaffected.
    const conflict = await harness.gqlAs(betaKey, GENERATE, { input: { ...VALID_INPUT, ...input, seed: 301 } });
    expect(conflict.data.generateVideo.code).toBe("IDEMPOTENCY_CONFLICT");
    const filtered = await harness.gqlAs(alphaKey, LIST, { filter: { promptContains: "shared idempotency" } });
    expect(filtered.data.generations.totalCount).toBe(1);
  });

  it("admin sees and may cancel any team's generation", async () => {
    expect((await harness.gqlAs(adminKey, ONE, { id: ids.beta })).data.generation.id).toBe(ids.beta);
    expect((await harness.gqlAs(adminKey, NODES, { ids: [ids.alpha, ids.beta, ids.anonymous] })).data.nodes).toEqual([
      { id: ids.alpha },
      { id: ids.beta },
      { id: ids.anonymous },
    ]);
    const canceled = await harness.gqlAs(adminKey, CANCEL, { id: ids.anonymous });
    expect(canceled.data.cancelGeneration.generation.status).toBe("CANCELED");
  });

  it("queuePosition is the place in the one shared queue (a number, not whose rows are ahead)", async () => {
    const late = await generateAs(alphaKey, { prompt: "late in the queue", seed: 400 });
    const result = await harness.gqlAs(alphaKey, `query($id: ID!) { generation(id: $id) { queuePosition } }`, { id: late.generation.id });
    const queued = await harness.db.generation.count({ where: { status: "QUEUED" } });
    expect(result.data.generation.queuePosition).toBe(queued);
  });
});
