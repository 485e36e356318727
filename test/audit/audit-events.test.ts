import { afterAll, beforeAll, expect, it } from "vitest";
import { describeEachDatabase, queryDatabase } from "../support/databases";
import { GENERATE_VIDEO, type Harness, VALID_INPUT, localId, startHarness } from "../support/harness";
import { type SeededTeam, seedTeam } from "../support/teams";

const AUDIT_EVENTS = `
  query Audit($first: Int, $after: String, $filter: AuditEventFilter) {
    auditEvents(first: $first, after: $after, filter: $filter) {
      pageInfo { hasNextPage endCursor }
      edges { cursor node {
        sequence at action actorKeyId actorKeyPrefix actorTeamId clientAddress subjectType subjectId
        details prevHash hash generation { id status }
      } }
    }
  }
`;

const STATUS = `{ auditTrailStatus { entries intact headMatches firstProblem { kind sequence } } }`;

describeEachDatabase("auditEvents and auditTrailStatus (admin)", (target) => {
  let h: Harness;
  let alpha: SeededTeam;
  let beta: SeededTeam;
  let ops: SeededTeam;
  let admin: string;
  const ids: string[] = [];

  beforeAll(async () => {
    h = await startHarness(target);
    alpha = await seedTeam(h.db, "alpha", { gen: "generate,read", other: "generate,read" });
    beta = await seedTeam(h.db, "beta", { gen: "generate,read" });
    ops = await seedTeam(h.db, "ops", { root: "admin" });
    admin = ops.keys.root as string;
    for (const [key, seed] of [
      [alpha.keys.gen, 11],
      [alpha.keys.other, 12],
      [beta.keys.gen, 13],
    ] as const) {
      const result = await h.gqlAs(key as string, GENERATE_VIDEO, { input: { ...VALID_INPUT, seed } });
      ids.push(localId(result.data.generateVideo.generation.id));
    }
    for (const id of ids) await h.waitForStatus(id, ["SUCCEEDED"]);
    await h.gateway.services.worker.idle();
  });
  afterAll(() => h?.close());

  const events = async (variables: Record<string, unknown> = {}, key: string | null = admin) => {
    const result = await h.gqlAs(key, AUDIT_EVENTS, { first: 100, ...variables });
    expect(result.errors).toBeUndefined();
    return result.data.auditEvents as { pageInfo: { hasNextPage: boolean; endCursor: string }; edges: Array<{ cursor: string; node: any }> };
  };
  const nodes = async (variables: Record<string, unknown> = {}) => (await events(variables)).edges.map((edge) => edge.node);

  it("is admin-only: FORBIDDEN for other keys and anonymous callers, for both fields", async () => {
    for (const key of [alpha.keys.gen as string, null]) {
      for (const query of [AUDIT_EVENTS, STATUS]) {
        const result = await h.gqlAs(key, query, {});
        expect(result.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
        expect(result.data).toBeNull();
      }
    }
  });

  it("lists every entry newest first, each linked to the one before", async () => {
    const all = await nodes();
    expect(all.length).toBe(await h.db.auditEntry.count());
    const sequences = all.map((node) => node.sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => b - a));
    expect(sequences.at(-1)).toBe(1);
    for (let i = 0; i < all.length - 1; i += 1) expect(all[i].prevHash).toBe(all[i + 1].hash);
    // 3 teams + 4 keys by the operator's CLI, then 3 generations x (created, submitted, settled).
    const counts = Object.fromEntries(["TEAM_CREATED", "KEY_CREATED", "GENERATION_CREATED", "GENERATION_SUBMITTED", "GENERATION_SETTLED"].map((a) => [a, all.filter((n) => n.action === a).length]));
    expect(counts).toEqual({ TEAM_CREATED: 3, KEY_CREATED: 4, GENERATION_CREATED: 3, GENERATION_SUBMITTED: 3, GENERATION_SETTLED: 3 });
  });

  it("shows the actor's key prefix, the generation, and details as JSON", async () => {
    const [created] = await nodes({ filter: { action: ["GENERATION_CREATED"], keyPrefix: alpha.prefixes.gen } });
    expect(created).toMatchObject({
      action: "GENERATION_CREATED",
      actorKeyPrefix: alpha.prefixes.gen,
      actorTeamId: alpha.id,
      subjectType: "Generation",
      subjectId: ids[0],
      generation: { status: "SUCCEEDED" },
    });
    expect(localId(created.generation.id)).toBe(ids[0]);
    expect(JSON.parse(created.details)).toMatchObject({ generationId: ids[0], seed: 11, estimatedCostUsd: 0.091 });
    expect(created.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("filters by team, by key (id or prefix) and by action, and they combine", async () => {
    const alphas = await nodes({ filter: { teamId: alpha.id } });
    expect(alphas.length).toBe(6);
    expect(new Set(alphas.map((n) => n.actorTeamId))).toEqual(new Set([alpha.id]));

    const byPrefix = await nodes({ filter: { keyPrefix: alpha.prefixes.other } });
    expect(byPrefix.map((n) => n.action)).toEqual(["GENERATION_SETTLED", "GENERATION_SUBMITTED", "GENERATION_CREATED"]);
    expect(byPrefix.every((n) => n.subjectId === ids[1])).toBe(true);
    const byId = await nodes({ filter: { keyId: byPrefix[0].actorKeyId } });
    expect(byId.map((n) => n.sequence)).toEqual(byPrefix.map((n) => n.sequence));

    const settled = await nodes({ filter: { action: ["GENERATION_SETTLED", "GENERATION_CANCELED"] } });
    expect(settled.map((n) => n.subjectId).sort()).toEqual([...ids].sort());
    const betaSettled = await nodes({ filter: { teamId: beta.id, action: ["GENERATION_SETTLED"] } });
    expect(betaSettled.map((n) => n.subjectId)).toEqual([ids[2]]);

    expect(await nodes({ filter: { keyPrefix: "zzzzzzzz" } })).toEqual([]);
    expect(await nodes({ filter: { keyPrefix: alpha.prefixes.gen, keyId: byPrefix[0].actorKeyId } })).toEqual([]);
  });

  it("filters by time: after is inclusive, before exclusive", async () => {
    const all = await nodes();
    const pivot = all[Math.floor(all.length / 2)];
    const after = await nodes({ filter: { after: pivot.at } });
    const before = await nodes({ filter: { before: pivot.at } });
    expect(after.every((n) => n.at >= pivot.at)).toBe(true);
    expect(after.map((n) => n.sequence)).toContain(pivot.sequence);
    expect(before.every((n) => n.at < pivot.at)).toBe(true);
    expect(after.length + before.length).toBe(all.length);
    const window = await nodes({ filter: { after: pivot.at, before: new Date(Date.parse(pivot.at) + 1).toISOString() } });
    expect(window.every((n) => n.at === pivot.at)).toBe(true);
  });

  it("pages with cursors, without overlap or gaps", async () => {
    const all = (await nodes()).map((n) => n.sequence);
    const seen: number[] = [];
    let after: string | null = null;
    for (;;) {
      const page = await events({ first: 4, after });
      seen.push(...page.edges.map((edge) => edge.node.sequence));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(all);
    const bad = await h.gqlAs(admin, AUDIT_EVENTS, { after: "bm9wZQ" });
    expect(bad.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("auditTrailStatus verifies the chain, and names a tampered entry", async () => {
    const intact = await h.gqlAs(admin, STATUS);
    expect(intact.data.auditTrailStatus).toEqual({
      entries: await h.db.auditEntry.count(),
      intact: true,
      headMatches: true,
      firstProblem: null,
    });
    const quote = h.database.provider === "postgresql" ? '"' : "`";
    await queryDatabase(h.database, `UPDATE ${quote}AuditEntry${quote} SET details = '{}' WHERE sequence = 9`);
    const broken = await h.gqlAs(admin, STATUS);
    expect(broken.data.auditTrailStatus).toMatchObject({ intact: false, firstProblem: { kind: "EDITED", sequence: 9 } });
  });
});
