import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { databaseTargets, describeEachDatabase, postgresAdminUrl, queryDatabase } from "../support/databases";
import { type Harness, VALID_INPUT, localId, startHarness } from "../support/harness";
import { freePort } from "../support/process";

/**
 * /healthz, /readyz and / from real HTTP requests against a running gateway: liveness that
 * checks nothing, readiness that follows the lifecycle and the database, migrations and
 * worker, and reports Segmind without failing on it.
 */
const [sqlite] = databaseTargets();

let harness: Harness | undefined;
let restore: (() => Promise<void>) | undefined;
afterEach(async () => {
  await restore?.();
  restore = undefined;
  await harness?.close();
  harness = undefined;
});

async function probe(url: string, path: string, init?: RequestInit): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(`${url}${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers };
}

/** Probes until `status` (readiness reports are cached for half a second). */
async function readyzBecomes(url: string, status: number, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await probe(url, "/readyz");
    if (answer.status === status) return answer;
    if (Date.now() > deadline) throw new Error(`/readyz still ${answer.status}: ${JSON.stringify(answer.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("liveness and readiness", () => {
  it("follow the lifecycle: starting (503), ready (200, each check named), draining (503); /healthz is 200 throughout", async () => {
    harness = await startHarness(sqlite!, { start: false });
    const url = await harness.listen();

    expect(await probe(url, "/healthz")).toMatchObject({ status: 200, body: { status: "ok" } });
    const starting = await probe(url, "/readyz");
    expect(starting.status).toBe(503);
    expect(starting.body).toMatchObject({ status: "starting", ready: false });
    expect(starting.headers.get("content-type")).toMatch(/^application\/json/);
    expect(starting.headers.get("cache-control")).toBe("no-store");

    await harness.gateway.start();
    const ready = await probe(url, "/readyz");
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({
      status: "ready",
      ready: true,
      checks: {
        database: { ok: true, critical: true, durationMs: expect.any(Number) },
        migrations: { ok: true, critical: true, known: expect.any(Number), durationMs: expect.any(Number) },
        worker: { ok: true, critical: true, durationMs: expect.any(Number) },
        segmind: expect.objectContaining({ ok: true, critical: false, reachable: null, detail: "no call made yet" }),
        // The circuit breaker on submits (test/faults/outage.test.ts shows it open).
        segmindCircuit: { ok: true, critical: false, state: "closed", durationMs: expect.any(Number) },
      },
    });

    // Segmind's state comes from the calls the gateway makes anyway.
    const generation = await harness.generate(VALID_INPUT);
    await harness.waitForStatus(localId(generation.generation.id), ["SUCCEEDED"]);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await probe(url, "/readyz")).body.checks.segmind).toMatchObject({ ok: true, reachable: true, lastHttpStatus: 200 });

    expect(await probe(url, "/healthz", { method: "POST" })).toMatchObject({ status: 405 });
    expect((await probe(url, "/readyz", { method: "HEAD" })).status).toBe(200);
    expect(await probe(url, "/")).toMatchObject({
      status: 200,
      body: { service: "seedance-gateway", graphql: "/graphql", liveness: "/healthz", readiness: "/readyz", metrics: "/metrics" },
    });

    await harness.gateway.stop();
    expect(await probe(url, "/readyz")).toMatchObject({ status: 503, body: { status: "draining", ready: false } });
    expect((await probe(url, "/healthz")).status).toBe(200);
  });

  it("Segmind unreachable is reported, never failing readiness", async () => {
    harness = await startHarness(sqlite!, { baseUrl: `http://127.0.0.1:${await freePort()}`, creditsCacheTtlMs: 0 });
    const url = await harness.listen();
    expect((await harness.gql("{ credits { freshness } }")).data.credits.freshness).toBe("UNAVAILABLE");
    const answer = await readyzBecomes(url, 200);
    await new Promise((resolve) => setTimeout(resolve, 600));
    const after = await probe(url, "/readyz");
    expect(after.status).toBe(200);
    expect(after.body.checks.segmind).toMatchObject({ ok: false, critical: false, reachable: false, lastHttpStatus: null });
    expect(answer.body.ready).toBe(true);
  });

  it("a stopped worker, a missing migration or a failing added check (e.g. Redis) makes it unready, naming the check", async () => {
    harness = await startHarness(sqlite!, {});
    const url = await harness.listen();
    await readyzBecomes(url, 200);
    await harness.gateway.services.worker.stop();
    const noWorker = await readyzBecomes(url, 503);
    expect(noWorker.body).toMatchObject({ status: "unready", checks: { worker: { ok: false, detail: "the worker is not running" } } });
    await harness.close({ keepDatabase: true });
    const database = harness.database;
    harness = undefined;

    // The newest migration's record removed: this build's schema is not (all) there.
    const [last] = await queryDatabase(database, 'SELECT migration_name FROM "_prisma_migrations" ORDER BY migration_name DESC LIMIT 1');
    harness = await startHarness(sqlite!, {
      database,
      readinessChecks: [{ name: "redis", critical: true, run: async () => ({ ok: false, detail: "connection refused" }) }],
    });
    await queryDatabase(database, 'DELETE FROM "_prisma_migrations" WHERE migration_name = ?', [last!.migration_name]);
    const url2 = await harness.listen();
    const unready = await probe(url2, "/readyz");
    expect(unready.status).toBe(503);
    expect(unready.body.checks.migrations).toMatchObject({ ok: false, detail: `not applied: ${last!.migration_name}` });
    expect(unready.body.checks.redis).toMatchObject({ ok: false, critical: true, detail: "connection refused" });
  });
});

describeEachDatabase("readiness and a database outage", (target) => {
  it("goes 503 naming the database while PostgreSQL refuses connections, and back to 200 when it returns", async () => {
    harness = await startHarness(target);
    const url = await harness.listen();
    await readyzBecomes(url, 200);

    const name = new URL(harness.database.url).pathname.slice(1);
    const admin = new pg.Client({ connectionString: postgresAdminUrl });
    await admin.connect();
    restore = async () => {
      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
      await admin.end();
      restore = undefined;
    };
    // As during a restart: no new connections, and the open ones are ended.
    await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [name]);

    const down = await readyzBecomes(url, 503);
    expect(down.body).toMatchObject({ status: "unready", ready: false, checks: { database: { ok: false, critical: true } } });
    expect(down.body.checks.database.detail).toBeTruthy();
    // Liveness does not follow the database: restarting the process would not help.
    expect((await probe(url, "/healthz")).status).toBe(200);

    await restore();
    const back = await readyzBecomes(url, 200);
    expect(back.body.checks.database).toMatchObject({ ok: true });
  });
}, { only: ["postgresql"] });
