import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAuditTrail } from "../../src/audit/log";
import { sealAudit } from "../../src/audit/seal";
import { createGateway } from "../../src/gateway";
import { MAX_OPERATION_NAMES } from "../../src/observability/metrics";
import { postJson } from "../http/helpers";
import { leavePendingAuditEntry } from "../support/audit";
import { databaseTargets, describeEachDatabase } from "../support/databases";
import { type Harness, VALID_INPUT, localId, startHarness } from "../support/harness";
import { type Scrape, scrape } from "../support/metrics";
import { subscribe } from "../support/sse";
import { type SeededTeam, seedTeam } from "../support/teams";

/**
 * Every metric asserted from real HTTP requests against a running gateway: each value moves
 * when a generation runs, fails, is refused, rate-limited or waits.
 */
const [sqlite] = databaseTargets();
const M = "seedance_gateway_";
const PROMPT = "A heron lands on a frozen pond, metrics prompt 5b2e";

let harness: Harness;
let url: string;
let team: SeededTeam;

beforeAll(async () => {
  harness = await startHarness(sqlite!, { creditsCacheTtlMs: 0 });
  url = await harness.listen();
  // A daily budget that fits one 480p/5 s generation ($0.091) and not two.
  team = await seedTeam(harness.db, "acme", { app: "generate,read" }, { dailyLimitUsd: 0.1 });
});
afterAll(() => harness?.close());

const GENERATE = `mutation MakeClip($input: GenerateVideoInput!) {
  generateVideo(input: $input) {
    __typename
    ... on GenerateVideoPayload { generation { id } }
    ... on BudgetExceededError { limit scope }
  }
}`;

async function generateAs(key: string | null, input: Record<string, unknown>) {
  const response = await postJson(url, { query: GENERATE, variables: { input } }, key ? { authorization: `Bearer ${key}` } : {});
  return (await response.json()).data.generateVideo;
}

/** The difference of every sample between two scrapes, read by name and labels. */
const delta = (before: Scrape, after: Scrape, name: string, labels: Record<string, string> = {}) =>
  Math.round((after.value(name, labels) - before.value(name, labels)) * 1e6) / 1e6;

describe("GET /metrics", () => {
  it("counts a team's generation through to its settlement, a budget refusal, and an anonymous failure", async () => {
    const before = await scrape(url);

    const made = await generateAs(team.keys.app!, { ...VALID_INPUT, prompt: PROMPT });
    expect(made.__typename).toBe("GenerateVideoPayload");
    const id = localId(made.generation.id);
    await harness.waitForStatus(id, ["SUCCEEDED"]);
    expect(await generateAs(team.keys.app!, { ...VALID_INPUT, seed: 2 })).toEqual({
      __typename: "BudgetExceededError",
      limit: "DAILY_USD",
      scope: "TEAM",
    });
    const failed = await generateAs(null, { ...VALID_INPUT, prompt: "sandbox:fail please", seed: 3 });
    await harness.waitForStatus(localId(failed.generation.id), ["FAILED"]);
    await harness.gql("{ credits { freshness } }");
    // Team labels are looked up once, asynchronously.
    await new Promise((resolve) => setTimeout(resolve, 100));

    const after = await scrape(url);
    // Generations: created by team, finished by status and error code.
    expect(delta(before, after, `${M}generations_created_total`, { team: "acme" })).toBe(1);
    expect(delta(before, after, `${M}generations_created_total`, { team: "anonymous" })).toBe(1);
    expect(delta(before, after, `${M}generations_finished_total`, { status: "SUCCEEDED", error_code: "none" })).toBe(1);
    expect(delta(before, after, `${M}generations_finished_total`, { status: "FAILED", error_code: "UPSTREAM_JOB_FAILED" })).toBe(1);
    // Budgets: one hold, settled to Segmind's reported cost, one refusal, dollars by team.
    expect(delta(before, after, `${M}budget_holds_total`, { team: "acme" })).toBe(1);
    expect(delta(before, after, `${M}budget_settlements_total`, { team: "acme", kind: "SETTLE", basis: "REPORTED_COST" })).toBe(1);
    expect(delta(before, after, `${M}budget_refusals_total`, { team: "acme", limit: "DAILY_USD", scope: "TEAM" })).toBe(1);
    const row = await harness.db.generation.findUniqueOrThrow({ where: { id } });
    expect(row.costUsd).toBeGreaterThan(0);
    expect(delta(before, after, `${M}spend_usd_total`, { team: "acme" })).toBe(row.costUsd);
    // The failed job was not billed: nothing spent for anonymous.
    expect(delta(before, after, `${M}spend_usd_total`, { team: "anonymous" })).toBe(0);
    // Segmind: every exchange by endpoint and status, with durations.
    expect(delta(before, after, `${M}upstream_requests_total`, { endpoint: "submit", status: "200" })).toBe(2);
    expect(delta(before, after, `${M}upstream_requests_total`, { endpoint: "status", status: "422" })).toBeGreaterThanOrEqual(1);
    expect(delta(before, after, `${M}upstream_requests_total`, { endpoint: "download", status: "200" })).toBe(1);
    expect(delta(before, after, `${M}upstream_requests_total`, { endpoint: "credits", status: "200" })).toBe(1);
    expect(delta(before, after, `${M}upstream_request_duration_seconds_count`, { endpoint: "submit" })).toBe(2);
    // No cap and no 429 here: the limiter held nothing back.
    expect(delta(before, after, `${M}rate_limiter_deferred_seconds_count`)).toBe(0);
    // The balance: what the credits read (and each result) said.
    const balance = (await harness.gql("{ credits { balance { credits } } }")).data.credits.balance.credits;
    expect((await scrape(url)).value(`${M}segmind_balance_credits`)).toBe(balance);
    // GraphQL: by operation name, type and outcome; typed errors (BudgetExceededError) are data, so "ok".
    expect(delta(before, after, `${M}graphql_requests_total`, { operation: "MakeClip", type: "mutation", outcome: "ok" })).toBe(3);
    expect(delta(before, after, `${M}graphql_request_duration_seconds_count`, { operation: "MakeClip" })).toBe(3);
    // The three mutations and the credits query.
    expect(delta(before, after, `${M}http_requests_total`, { route: "graphql", status: "200" })).toBe(4);
    expect(delta(before, after, `${M}http_requests_total`, { route: "metrics", status: "200" })).toBe(1);

    // No label carries an id, a key, a prompt or a URL.
    for (const secretish of [id, made.generation.id, team.id, team.keys.app!, team.prefixes.app!, PROMPT, VALID_INPUT.imageUrl]) {
      expect(after.text).not.toContain(secretish);
    }
  });

  it("counts 429s by endpoint and the time the limiter held calls back; GraphQL errors as outcome=error", async () => {
    // Its own gateway, with jobs long enough that one is being polled when another's submit is refused.
    const slow = await startHarness(sqlite!, { standInOptions: { jobDurationMs: 4_000 } });
    try {
      const slowUrl = await slow.listen();
      const before = await scrape(slowUrl);
      const running = localId((await slow.generate({ ...VALID_INPUT, seed: 4 })).generation.id);
      await slow.waitForStatus(running, ["SUBMITTED", "RUNNING"]);
      slow.standIn.inject({
        route: "submit",
        kind: { status: 429, body: '{"error":"Too many requests"}', headers: { "x-rate-limit-reset-at-utc": new Date(Date.now() + 2_000).toISOString() } },
      });
      const refused = localId((await slow.generate({ ...VALID_INPUT, seed: 5 })).generation.id);
      for (const id of [running, refused]) await slow.waitForStatus(id, ["SUCCEEDED"], 20_000);
      const broken = await postJson(slowUrl, { query: "query Broken { nope }" });
      expect(broken.status).toBe(400);
      await broken.arrayBuffer();

      const after = await scrape(slowUrl);
      expect(delta(before, after, `${M}upstream_rate_limited_total`, { endpoint: "submit" })).toBe(1);
      expect(delta(before, after, `${M}upstream_requests_total`, { endpoint: "submit", status: "429" })).toBe(1);
      // While the 429 pause lasted, keyed calls (the running job's polls, the refused submit)
      // were held back until the reset.
      expect(delta(before, after, `${M}rate_limiter_deferred_seconds_count`)).toBeGreaterThanOrEqual(1);
      expect(delta(before, after, `${M}rate_limiter_deferred_seconds_sum`)).toBeGreaterThan(0.2);
      expect(delta(before, after, `${M}graphql_requests_total`, { operation: "Broken", outcome: "error" })).toBe(1);
      expect(delta(before, after, `${M}http_requests_total`, { route: "graphql", status: "400" })).toBe(1);
    } finally {
      await slow.close();
    }
  });

  it("gauges SSE subscribers while a stream is open", async () => {
    const stream = await subscribe(url, "subscription Watch { generationsUpdated { sequence } }");
    const made = await generateAs(null, { ...VALID_INPUT, seed: 6 });
    expect(await stream.next(10_000)).toBeTruthy();
    const open = await scrape(url);
    expect(open.value(`${M}sse_subscribers`, { subscription: "generationsUpdated" })).toBe(1);
    stream.close();
    await harness.waitForStatus(localId(made.generation.id), ["SUCCEEDED"]);
    for (const deadline = Date.now() + 5_000; ; ) {
      const closed = await scrape(url);
      if (closed.value(`${M}sse_subscribers`, { subscription: "generationsUpdated" }) === 0) break;
      if (Date.now() > deadline) throw new Error("the closed stream is still counted");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  it("bounds the operation label: after the first names, (other); invalid names and none get their own value", async () => {
    for (let i = 0; i < MAX_OPERATION_NAMES + 5; i += 1) {
      const response = await postJson(url, { query: `query Op${i} { __typename }` });
      await response.arrayBuffer();
    }
    const after = await scrape(url);
    const names = new Set(after.samples.filter((sample) => sample.name === `${M}graphql_requests_total`).map((s) => s.labels.operation));
    expect(names.size).toBeLessThanOrEqual(MAX_OPERATION_NAMES + 3);
    expect(names).toContain("(other)");
  });

  it("has the default process metrics and event-loop lag", async () => {
    const after = await scrape(url);
    for (const name of ["process_cpu_user_seconds_total", "process_resident_memory_bytes", "nodejs_eventloop_lag_seconds", "nodejs_heap_size_used_bytes"]) {
      expect(after.families, name).toContain(name);
    }
    expect(after.value(`${M}database_up`)).toBe(1);
  });
});

describe("queue depth and generations in progress", () => {
  let idle: Harness;
  beforeAll(async () => {
    // No worker: what is created stays QUEUED.
    idle = await startHarness(sqlite!, { start: false });
  });
  afterAll(() => idle?.close());

  it("come from the database at scrape time", async () => {
    const idleUrl = await idle.listen();
    const empty = await scrape(idleUrl);
    expect(empty.value(`${M}queue_depth`)).toBe(0);
    expect(empty.value(`${M}queue_oldest_age_seconds`)).toBe(0);
    for (const seed of [1, 2, 3]) await idle.generate({ ...VALID_INPUT, seed });
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // past the 1 s reuse of the figures
    const queued = await scrape(idleUrl);
    expect(queued.value(`${M}queue_depth`)).toBe(3);
    expect(queued.value(`${M}generations_in_progress`, { status: "QUEUED" })).toBe(3);
    expect(queued.value(`${M}generations_in_progress`, { status: "RUNNING" })).toBe(0);
    expect(queued.value(`${M}queue_oldest_age_seconds`)).toBeGreaterThanOrEqual(1);
  });
});

describeEachDatabase(
  "audit entries waiting to be chained",
  (target) => {
    let idle: Harness;
    beforeAll(async () => {
      idle = await startHarness(target, { start: false });
    });
    afterAll(() => idle?.close());

    it("show as the age of the oldest, from the database at scrape time, and 0 once chained", async () => {
      const idleUrl = await idle.listen();
      expect((await scrape(idleUrl)).value(`${M}audit_pending_oldest_age_seconds`)).toBe(0);
      // What failing seals leave: an entry committed two minutes ago, still pending.
      await leavePendingAuditEntry(idle.db, "k-stuck", new Date(Date.now() - 120_000));
      await new Promise((resolve) => setTimeout(resolve, 1_100)); // past the 1 s reuse of the figures
      expect((await scrape(idleUrl)).value(`${M}audit_pending_oldest_age_seconds`)).toBeGreaterThanOrEqual(120);
      await sealAudit(idle.db);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      expect((await scrape(idleUrl)).value(`${M}audit_pending_oldest_age_seconds`)).toBe(0);
      expect(await verifyAuditTrail(idle.db)).toMatchObject({ firstProblem: null, headMatches: true });
    });
  },
  // SQLite chains in the transaction: nothing is ever pending there.
  { only: ["postgresql"] },
);

describe("METRICS_TOKEN", () => {
  it("protects /metrics with a bearer token when set", async () => {
    const services = harness.gateway.services;
    const guarded = createGateway({
      db: services.db,
      databaseProvider: services.databaseProvider,
      segmind: services.segmind,
      media: services.media,
      upstream: { name: services.upstream.name, mode: services.upstream.mode },
      publicUrl: services.publicUrl,
      metricsToken: "scrape-token-0123456789",
    });
    const get = (authorization?: string) =>
      guarded.yoga.fetch("http://gateway.test/metrics", { headers: authorization ? { authorization } : {} });
    expect((await get()).status).toBe(401);
    expect((await get()).headers.get("www-authenticate")).toContain("Bearer");
    expect((await get("Bearer wrong-token-0123456789")).status).toBe(401);
    const ok = await get("Bearer scrape-token-0123456789");
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain(`${M}queue_depth`);
    await guarded.stop();
  });
});
