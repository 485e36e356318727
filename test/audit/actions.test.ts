import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { verifyAuditTrail } from "../../src/audit/log";
import { sealAudit } from "../../src/audit/seal";
import type { Db } from "../../src/db/client";
import { describeEachDatabase } from "../support/databases";
import { GENERATE_VIDEO, type Harness, VALID_INPUT, localId, startHarness } from "../support/harness";
import { type SeededTeam, seedTeam } from "../support/teams";
import { holdingSubmits } from "../support/holding-submits";

const CANCEL = `
  mutation Cancel($id: ID!) {
    cancelGeneration(id: $id) {
      __typename
      ... on CancelGenerationPayload { pending generation { id status } }
      ... on Error { code message }
    }
  }
`;

const TERMINAL = ["SUCCEEDED", "FAILED", "CANCELED", "EXPIRED"] as const;

interface Entry {
  sequence: number;
  action: string;
  actorKeyId: string | null;
  actorTeamId: string | null;
  clientAddress: string | null;
  subjectType: string | null;
  subjectId: string | null;
  details: Record<string, any>;
}

async function entriesFor(db: Db, generationId: string): Promise<Entry[]> {
  // As every reader of the trail does: the worker's entries may still be pending (src/audit/seal.ts).
  await sealAudit(db);
  const rows = await db.auditEntry.findMany({ where: { subjectId: generationId }, orderBy: { sequence: "asc" } });
  return rows.map((row) => ({ ...row, details: JSON.parse(row.details) }));
}

const actions = (entries: Entry[]) => entries.map((entry) => entry.action);

/** A POST over real HTTP, so the gateway sees a client address. */
async function overHttp(url: string, key: string | null, query: string, variables: Record<string, unknown>) {
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/graphql-response+json",
      ...(key ? { authorization: `Bearer ${key}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

const LOOPBACK = /^(::ffff:)?127\.0\.0\.1$|^::1$/;

describeEachDatabase("audit: each generation action writes exactly one entry", (target) => {
  let h: Harness;
  let url: string;
  let alpha: SeededTeam;
  let beta: SeededTeam;
  let alphaKeyId: string;

  beforeAll(async () => {
    h = await startHarness(target, { standInOptions: { jobDurationMs: 500 }, });
    url = await h.listen();
    alpha = await seedTeam(h.db, "alpha", { gen: "generate,read" });
    beta = await seedTeam(h.db, "beta", { gen: "generate,read" });
    alphaKeyId = (await h.db.apiKey.findUniqueOrThrow({ where: { prefix: alpha.prefixes.gen as string } })).id;
  });
  afterAll(() => h?.close());
  afterEach(async () => {
    // Whatever happened, the chain must still verify.
    expect(await verifyAuditTrail(h.db)).toMatchObject({ firstProblem: null, headMatches: true });
  });

  const generate = async (input: Record<string, unknown>, key = alpha.keys.gen as string) => {
    const result = (await overHttp(url, key, GENERATE_VIDEO, { input })).generateVideo;
    expect(result.__typename).toBe("GenerateVideoPayload");
    return localId(result.generation.id);
  };

  it("succeeded: CREATED (by the key, from its address), SUBMITTED and SETTLED (on its behalf), with ids and amounts", async () => {
    const id = await generate({ ...VALID_INPUT, seed: 5150 });
    const row = await h.waitForStatus(id, [...TERMINAL]);
    expect(row.status).toBe("SUCCEEDED");
    const entries = await entriesFor(h.db, id);
    expect(actions(entries)).toEqual(["GENERATION_CREATED", "GENERATION_SUBMITTED", "GENERATION_SETTLED"]);
    const [created, submitted, settled] = entries as [Entry, Entry, Entry];
    for (const entry of entries) {
      expect(entry).toMatchObject({ actorKeyId: alphaKeyId, actorTeamId: alpha.id, subjectType: "Generation", subjectId: id });
    }
    expect(created.clientAddress).toMatch(LOOPBACK);
    expect(created.details).toMatchObject({
      generationId: id,
      seed: 5150,
      seedSource: "CLIENT",
      duration: 5,
      resolution: "480p",
      estimatedCostUsd: row.estimatedCostUsd,
      gatewayVersion: row.gatewayVersion,
    });
    expect(submitted.clientAddress).toBeNull();
    expect(submitted.details).toMatchObject({ upstreamRequestId: row.upstreamRequestId, attempt: 1, seed: 5150 });
    expect(row.upstreamRequestId).not.toBeNull();
    expect(settled.clientAddress).toBeNull();
    expect(settled.details).toMatchObject({
      outcome: "SUCCEEDED",
      costUsd: row.costUsd,
      estimatedCostUsd: row.estimatedCostUsd,
      upstreamRequestId: row.upstreamRequestId,
      upstreamSeed: row.upstreamSeed,
      videoSha256: row.videoSha256,
      videoBytes: row.videoBytes,
      // The budget ledger's side: the estimate held, then charged at the reported cost.
      heldUsd: row.estimatedCostUsd,
      chargedUsd: row.costUsd,
      releasedUsd: null,
    });
    expect(row.costUsd).toBeGreaterThan(0);
    expect(row.estimatedCostUsd).toBeGreaterThan(0);
  });

  it("failed upstream: SETTLED says FAILED with the error code", async () => {
    const id = await generate({ ...VALID_INPUT, prompt: "sandbox:fail please" });
    const row = await h.waitForStatus(id, [...TERMINAL]);
    expect(row.status).toBe("FAILED");
    const entries = await entriesFor(h.db, id);
    expect(actions(entries)).toEqual(["GENERATION_CREATED", "GENERATION_SUBMITTED", "GENERATION_SETTLED"]);
    expect(entries[2]?.details).toMatchObject({
      outcome: "FAILED",
      errorCode: "UPSTREAM_JOB_FAILED",
      heldUsd: row.estimatedCostUsd,
      chargedUsd: null,
      releasedUsd: row.estimatedCostUsd,
    });
  });

  it("canceled while running: CANCELED by the canceling key from its address, then SETTLED as CANCELED", async () => {
    const id = await generate(VALID_INPUT);
    const running = await h.waitForStatus(id, ["SUBMITTED", "RUNNING"]);
    const payload = (await overHttp(url, alpha.keys.gen as string, CANCEL, { id })).cancelGeneration;
    expect(payload).toMatchObject({ __typename: "CancelGenerationPayload", pending: false });
    await h.gateway.services.worker.idle();
    const entries = await entriesFor(h.db, id);
    expect(actions(entries)).toEqual([
      "GENERATION_CREATED",
      "GENERATION_SUBMITTED",
      "GENERATION_CANCELED",
      "GENERATION_SETTLED",
    ]);
    const [, , canceled, settled] = entries as [Entry, Entry, Entry, Entry];
    expect(canceled).toMatchObject({ actorKeyId: alphaKeyId, actorTeamId: alpha.id });
    expect(canceled.clientAddress).toMatch(LOOPBACK);
    expect(canceled.details).toMatchObject({ pending: false, upstreamRequestId: running.upstreamRequestId });
    expect(["SUBMITTED", "RUNNING"]).toContain(canceled.details.fromStatus);
    // One transaction: the two entries are adjacent.
    expect(settled.sequence).toBe(canceled.sequence + 1);
    expect(settled).toMatchObject({ actorKeyId: alphaKeyId, clientAddress: null, details: { outcome: "CANCELED", errorCode: "CANCELED" } });
  });

  it("another team's cancel is not found and writes nothing", async () => {
    const id = await generate(VALID_INPUT);
    const before = await h.db.auditEntry.count();
    const payload = (await overHttp(url, beta.keys.gen as string, CANCEL, { id })).cancelGeneration;
    expect(payload.__typename).toBe("GenerationNotFoundError");
    expect(await h.db.auditEntry.count({ where: { subjectId: id, action: "GENERATION_CANCELED" } })).toBe(0);
    expect(await h.db.auditEntry.count({ where: { sequence: { gt: before }, actorTeamId: beta.id } })).toBe(0);
    await h.waitForStatus(id, [...TERMINAL]);
  });

  it("expired: SETTLED as EXPIRED, on the owner's behalf", async () => {
    const id = await generate({ ...VALID_INPUT, deadline: new Date(Date.now() + 400).toISOString() });
    await h.waitForStatus(id, ["SUBMITTED", "RUNNING"]);
    const row = await h.waitForStatus(id, [...TERMINAL]);
    expect(row.status).toBe("EXPIRED");
    const entries = await entriesFor(h.db, id);
    expect(actions(entries)).toEqual(["GENERATION_CREATED", "GENERATION_SUBMITTED", "GENERATION_SETTLED"]);
    expect(entries[2]).toMatchObject({ actorKeyId: alphaKeyId, clientAddress: null, details: { outcome: "EXPIRED", errorCode: "DEADLINE_EXCEEDED" } });
  });

  it("a replay, an invalid request and a refused request write nothing", async () => {
    const first = await generate({ ...VALID_INPUT, idempotencyKey: "audit-replay" });
    await h.waitForStatus(first, [...TERMINAL]);
    await sealAudit(h.db);
    const before = await h.db.auditEntry.count();
    const replay = (await overHttp(url, alpha.keys.gen as string, GENERATE_VIDEO, { input: { ...VALID_INPUT, idempotencyKey: "audit-replay" } })).generateVideo;
    expect(replay.replayed).toBe(true);
    const invalid = (await overHttp(url, alpha.keys.gen as string, GENERATE_VIDEO, { input: { ...VALID_INPUT, seed: 0 } })).generateVideo;
    expect(invalid.__typename).toBe("InvalidInputError");
    await sealAudit(h.db);
    expect(await h.db.auditEntry.count()).toBe(before);
  });

  it("anonymous requests are audited with no key or team, but with their address", async () => {
    const id = await generate(VALID_INPUT, null as unknown as string);
    await h.waitForStatus(id, [...TERMINAL]);
    const [created] = await entriesFor(h.db, id);
    expect(created).toMatchObject({ action: "GENERATION_CREATED", actorKeyId: null, actorTeamId: null });
    expect(created?.clientAddress).toMatch(LOOPBACK);
  });

  it("every final generation has exactly one SETTLED entry and one CREATED entry", async () => {
    await h.gateway.services.worker.idle();
    const generations = await h.db.generation.findMany({ select: { id: true, status: true } });
    for (const generation of generations) {
      const entries = await entriesFor(h.db, generation.id);
      expect(entries.filter((e) => e.action === "GENERATION_CREATED"), generation.id).toHaveLength(1);
      expect(entries.filter((e) => e.action === "GENERATION_SETTLED"), generation.id).toHaveLength(
        (TERMINAL as readonly string[]).includes(generation.status) ? 1 : 0,
      );
    }
  });
});


describeEachDatabase("audit: a cancel during a submit, and v1", (target) => {
  it("a pending cancel is audited when asked (pending), once; the worker later settles it", async () => {
    const submits = holdingSubmits();
    const h = await startHarness(target, { wrapSegmind: submits.wrap });
    try {
      const team = await seedTeam(h.db, "gamma", { gen: "generate,read" });
      const keyId = (await h.db.apiKey.findUniqueOrThrow({ where: { prefix: team.prefixes.gen as string } })).id;
      const created = await h.gqlAs(team.keys.gen as string, GENERATE_VIDEO, { input: VALID_INPUT });
      const id = localId(created.data.generateVideo.generation.id);
      await submits.reached;
      await h.waitForStatus(id, ["SUBMITTING"]);
      for (let i = 0; i < 2; i += 1) {
        const payload = await h.gqlAs(team.keys.gen as string, CANCEL, { id });
        expect(payload.data.cancelGeneration.pending).toBe(true);
      }
      expect(actions(await entriesFor(h.db, id))).toEqual(["GENERATION_CREATED", "GENERATION_CANCELED"]);
      submits.release();
      expect((await h.waitForStatus(id, [...TERMINAL])).status).toBe("CANCELED");
      await h.gateway.services.worker.idle();
      const entries = await entriesFor(h.db, id);
      expect(actions(entries)).toEqual([
        "GENERATION_CREATED",
        "GENERATION_CANCELED",
        "GENERATION_SUBMITTED",
        "GENERATION_SETTLED",
      ]);
      expect(entries[1]).toMatchObject({ actorKeyId: keyId, details: { pending: true, fromStatus: "SUBMITTING" } });
      expect(entries[3]?.details).toMatchObject({ outcome: "CANCELED" });
      expect(entries[3]?.details.upstreamRequestId).toBe(entries[2]?.details.upstreamRequestId);
      expect(await verifyAuditTrail(h.db)).toMatchObject({ firstProblem: null, headMatches: true });
    } finally {
      submits.release();
      await h.close();
    }
  });

  it("v1 (sync): SUBMITTED when Segmind answered with the video, with its cost and seed", async () => {
    const h = await startHarness(target, { mode: "v1" });
    try {
      const id = localId((await h.generate(VALID_INPUT)).generation.id);
      const row = await h.waitForStatus(id, [...TERMINAL]);
      expect(row.status).toBe("SUCCEEDED");
      const entries = await entriesFor(h.db, id);
      expect(actions(entries)).toEqual(["GENERATION_CREATED", "GENERATION_SUBMITTED", "GENERATION_SETTLED"]);
      expect(entries[1]?.details).toMatchObject({ upstreamMode: "v1", costUsd: row.costUsd, upstreamSeed: row.upstreamSeed });
      expect(entries[2]?.details).toMatchObject({ outcome: "SUCCEEDED", videoSha256: row.videoSha256 });
    } finally {
      await h.close();
    }
  });
});
