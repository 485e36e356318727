import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import pg from "pg";
import { afterEach, expect, it } from "vitest";
import { sqliteBusyTimeoutMs } from "../../src/db/migrate-sqlite";
import type { SegmindClient } from "../../src/segmind/types";
import { describeEachDatabase, postgresAdminUrl } from "../support/databases";
import { type Harness, VALID_INPUT, localId, startHarness } from "../support/harness";
import { deferred } from "../support/deferred";

/**
 * The database goes away for a while. Requests fail at once with a plain DATABASE_UNAVAILABLE
 * error (no hang, no internals), the worker keeps retrying its writes, and once the database
 * is back everything that had been accepted completes, with nothing submitted twice.
 */
const TERMINAL = ["SUCCEEDED", "FAILED", "CANCELED", "EXPIRED"] as const;
const UNAVAILABLE_MESSAGE = "The gateway's database is unavailable right now; try again shortly.";

// libsql waits for a lock synchronously (the whole thread waits), so the lock is held from a
// worker thread, as test/db/sqlite-locking.test.ts does.
const lockHolderSource = `
const { parentPort, workerData } = require("node:worker_threads");
import(workerData.libsqlClient).then(async ({ createClient }) => {
  const client = createClient({ url: workerData.url });
  // The gateway may be writing at this moment: wait for its turn rather than fail at once.
  await client.execute("PRAGMA busy_timeout = 10000");
  const tx = await client.transaction("write"); // BEGIN IMMEDIATE: holds the write lock
  await tx.execute("INSERT INTO CreditSnapshot (upstream, credits, freeCredits, readAt) VALUES ('lock-holder', 1, 0, '2026-11-01T00:00:00.000+00:00')");
  parentPort.postMessage("locked");
  // Until the test says so (at most holdMs, so a failed test does not hang).
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, workerData.holdMs);
    parentPort.once("message", () => { clearTimeout(timer); resolve(); });
  });
  await tx.rollback();
  client.close();
  parentPort.postMessage("released");
});`;

function holdSqliteWriteLock(url: string, holdMs: number): Promise<{ released: Promise<void>; release: () => void }> {
  const libsqlClient = pathToFileURL(createRequire(import.meta.url).resolve("@libsql/client")).href;
  const worker = new Worker(lockHolderSource, { eval: true, workerData: { url, holdMs, libsqlClient } });
  return new Promise((resolveLocked, reject) => {
    worker.on("error", reject);
    const released = new Promise<void>((resolveReleased) => {
      worker.on("message", (message) => {
        if (message === "locked") resolveLocked({ released, release: () => worker.postMessage("release") });
        if (message === "released") {
          resolveReleased();
          void worker.terminate();
        }
      });
    });
  });
}

/** Holds the next submit on the wire (after the gateway claimed it) until released. */
function holdNextSubmit() {
  let armed = false;
  let onWire = deferred();
  let held = deferred();
  const wrap = (client: SegmindClient): SegmindClient => ({
    ...client,
    baseUrl: client.baseUrl,
    modelSlug: client.modelSlug,
    async submit(body, options) {
      if (armed) {
        armed = false;
        onWire.resolve();
        await held.promise;
      }
      return client.submit(body, options);
    },
  });
  return {
    wrap,
    arm() {
      armed = true;
      onWire = deferred();
      held = deferred();
      return onWire.promise;
    },
    release: () => held.resolve(),
  };
}

const GENERATIONS = `{ generations(first: 10) { totalCount edges { node { status } } } }`;

describeEachDatabase("database unavailable for a while", (target) => {
  let harness: Harness | undefined;
  let restore: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await restore?.();
    restore = undefined;
    await harness?.close();
    harness = undefined;
  });

  if (target.provider === "sqlite") it(
    "SQLite locked by another process past the busy timeout: requests fail plainly, the worker retries, nothing is lost",
    async () => {
      harness = await startHarness(target, { standInOptions: { jobDurationMs: 1_500 }, worker: { pollIntervalMs: 300 } });
      const accepted = [];
      for (const seed of [1, 2]) accepted.push(localId((await harness.generate({ ...VALID_INPUT, seed })).generation.id));
      for (const id of accepted) await harness.waitForStatus(id, ["SUBMITTED", "RUNNING"]);

      // Held until the request below has its answer. A busy wait blocks the one connection for a
      // whole busy timeout, and the workers' writes (status polls' events, retries) may queue
      // before the request's, how many depends on timing: with a lock held for a fixed time
      // (two, then three busy timeouts) the request sometimes met it released, in CI.
      const { released, release } = await holdSqliteWriteLock(harness.database.url, 50_000);
      const startedAt = Date.now();
      // And held for at least two busy timeouts, so the workers' status polls meet it too.
      const heldAtLeast = new Promise((resolve) => setTimeout(resolve, 2 * sqliteBusyTimeoutMs + 1_000));
      const refused = await harness.gql(`mutation($input: GenerateVideoInput!) { generateVideo(input: $input) { __typename } }`, {
        input: { ...VALID_INPUT, seed: 3 },
      });
      expect(refused.errors).toEqual([
        expect.objectContaining({ message: UNAVAILABLE_MESSAGE, extensions: { code: "DATABASE_UNAVAILABLE" } }),
      ]);
      // A plain refusal after the busy timeout, not a hang (the workers' writes that went first
      // each wait one busy timeout too).
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(sqliteBusyTimeoutMs - 100);
      // Reads do not need the write lock (WAL): they keep working.
      const read = await harness.gql(GENERATIONS);
      expect(read.errors).toBeUndefined();
      expect(read.data.generations.totalCount).toBe(2);
      await heldAtLeast;
      release();
      await released;

      for (const id of accepted) {
        const row = await harness.waitForStatus(id, [...TERMINAL], 30_000);
        expect(row.status, row.errorMessage ?? "").toBe("SUCCEEDED");
      }
      expect(harness.logs.join("\n")).toContain("generation step failed unexpectedly; will retry");
      expect(harness.standIn.stats.submitsAccepted).toBe(2);
      // The refused request left nothing behind; a new one works.
      expect(await harness.db.generation.count()).toBe(2);
      expect((await harness.generate({ ...VALID_INPUT, seed: 3 })).__typename).toBe("GenerateVideoPayload");
    },
    // ~27 s here: the lock's 11 s, the busy waits queued behind it, then the two generations.
    90_000,
  );

  if (target.provider === "postgresql") it(
    "PostgreSQL refusing connections (as while it restarts): requests fail at once and plainly, an accepted submit is still recorded, nothing is lost",
    async () => {
      const submits = holdNextSubmit();
      harness = await startHarness(target, {
        standInOptions: { jobDurationMs: 1_500 },
        worker: { pollIntervalMs: 100 },
        wrapSegmind: submits.wrap,
      });
      const running = localId((await harness.generate({ ...VALID_INPUT, seed: 1 })).generation.id);
      await harness.waitForStatus(running, ["SUBMITTED", "RUNNING"]);
      // The next submit is on the wire when the database goes away.
      const onWire = submits.arm();
      const inFlight = localId((await harness.generate({ ...VALID_INPUT, seed: 2 })).generation.id);
      await onWire;

      const name = new URL(harness.database.url).pathname.slice(1);
      const admin = new pg.Client({ connectionString: postgresAdminUrl });
      await admin.connect();
      restore = async () => {
        await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
        await admin.end();
        restore = undefined;
      };
      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
      await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [name]);
      // Segmind accepts (and bills) the held submit while the database is away.
      submits.release();

      const startedAt = Date.now();
      const refused = await harness.gql(`mutation($input: GenerateVideoInput!) { generateVideo(input: $input) { __typename } }`, {
        input: { ...VALID_INPUT, seed: 3 },
      });
      expect(refused.errors).toEqual([
        expect.objectContaining({ message: UNAVAILABLE_MESSAGE, extensions: { code: "DATABASE_UNAVAILABLE" } }),
      ]);
      const read = await harness.gql(GENERATIONS);
      expect(read.errors?.[0]).toMatchObject({ message: UNAVAILABLE_MESSAGE, extensions: { code: "DATABASE_UNAVAILABLE" } });
      expect(Date.now() - startedAt).toBeLessThan(2_000);

      await new Promise((resolve) => setTimeout(resolve, 2_000));
      expect(harness.standIn.stats.submitsAccepted).toBe(2);
      await restore();

      for (const id of [running, inFlight]) {
        const row = await harness.waitForStatus(id, [...TERMINAL], 30_000);
        expect(row.status, row.errorMessage ?? "").toBe("SUCCEEDED");
      }
      const logs = harness.logs.join("\n");
      expect(logs).toContain("could not record an accepted upstream job yet; retrying until the database answers");
      expect(logs).toContain("generation step failed unexpectedly; will retry");
      // Submitted once each; the refused request stored nothing.
      expect(harness.standIn.stats.submitsAccepted).toBe(2);
      const posts = await harness.db.generationEvent.count({ where: { generationId: inFlight, type: "UPSTREAM_CALL", method: "POST" } });
      expect(posts).toBe(1);
      expect(await harness.db.generation.count()).toBe(2);
    },
    60_000,
  );
});
