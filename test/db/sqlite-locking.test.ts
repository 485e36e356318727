// SQLite specifics of openDatabase: a write waits for another connection's
// write lock (busy timeout) instead of failing, and relative file: URLs.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase, type OpenDatabase } from "../../src/db/client";
import { createFreshDatabase, type FreshDatabase } from "../support/databases";

// Runs in a worker thread: libsql is synchronous, so a lock holder in the
// test's own thread could never release while the test's write waits.
const lockHolderSource = `
const { parentPort, workerData } = require("node:worker_threads");
import(workerData.libsqlClient).then(async ({ createClient }) => {
  const client = createClient({ url: workerData.url });
  const tx = await client.transaction("write"); // BEGIN IMMEDIATE: holds the write lock
  await tx.execute("INSERT INTO CreditSnapshot (upstream, credits, freeCredits, readAt) VALUES ('holder', 1, 0, '2026-11-01T00:00:00.000+00:00')");
  parentPort.postMessage("locked");
  await new Promise((resolve) => setTimeout(resolve, workerData.holdMs));
  // Timed here, just before the lock goes: the main thread, blocked in its wait, reads this
  // message only after its own write has returned.
  const releasedAt = Date.now();
  await tx.commit();
  client.close();
  parentPort.postMessage({ releasedAt });
});`;

function holdWriteLock(url: string, holdMs: number): Promise<{ released: Promise<number> }> {
  const libsqlClient = pathToFileURL(createRequire(import.meta.url).resolve("@libsql/client")).href;
  const worker = new Worker(lockHolderSource, { eval: true, workerData: { url, holdMs, libsqlClient } });
  return new Promise((resolveLocked, reject) => {
    worker.on("error", reject);
    const released = new Promise<number>((resolveReleased) => {
      worker.on("message", (message) => {
        if (message === "locked") resolveLocked({ released });
        if (typeof message === "object" && message !== null && "releasedAt" in message) {
          resolveReleased(message.releasedAt as number);
          void worker.terminate();
        }
      });
    });
  });
}

const snapshot = (upstream: string) => ({ upstream, credits: 2, freeCredits: 0, readAt: new Date() });

describe("SQLite busy timeout through the Prisma adapter", () => {
  let database: FreshDatabase;
  let opened: OpenDatabase | undefined;
  afterEach(async () => {
    await opened?.close();
    await database.drop();
  });

  it("a write waits for another connection's write transaction, then succeeds", async () => {
    database = await createFreshDatabase("sqlite");
    opened = await openDatabase(database.url);
    // An interactive transaction first: it takes the client's connection, and
    // the replacement connection must get the busy timeout too.
    await opened.db.$transaction(async (tx) => tx.creditSnapshot.create({ data: snapshot("before") }));

    const { released } = await holdWriteLock(database.url, 400);
    const startedAt = Date.now();
    await opened.db.creditSnapshot.create({ data: snapshot("waiter") });
    const finishedAt = Date.now();

    expect(finishedAt).toBeGreaterThanOrEqual(await released);
    expect(finishedAt - startedAt).toBeGreaterThan(200);
    const upstreams = (await opened.db.creditSnapshot.findMany({ orderBy: { id: "asc" } })).map((row) => row.upstream);
    expect(upstreams).toEqual(["before", "holder", "waiter"]);
  });

  it("an interactive transaction's write also waits", async () => {
    database = await createFreshDatabase("sqlite");
    opened = await openDatabase(database.url);
    await holdWriteLock(database.url, 300);
    await opened.db.$transaction(async (tx) => {
      await tx.creditSnapshot.create({ data: snapshot("in-transaction") });
    });
    expect(await opened.db.creditSnapshot.count()).toBe(2);
  });

  it("uses WAL journal mode", async () => {
    database = await createFreshDatabase("sqlite");
    opened = await openDatabase(database.url);
    const [row] = await opened.db.$queryRawUnsafe<{ journal_mode: string }[]>("PRAGMA journal_mode");
    expect(row?.journal_mode).toBe("wal");
  });
});

describe("relative SQLite paths", () => {
  const originalCwd = process.cwd();
  let dir: string;
  afterEach(() => {
    process.chdir(originalCwd);
    rmSync(dir, { recursive: true, force: true });
  });

  it("resolve against the cwd at open time, creating missing directories", async () => {
    dir = mkdtempSync(join(tmpdir(), "sg-relative-"));
    process.chdir(dir);
    const opened = await openDatabase("file:./data/nested/gateway.db");
    try {
      process.chdir(originalCwd); // later queries still use the same file
      expect(await opened.db.generation.count()).toBe(0);
      expect(existsSync(join(dir, "data/nested/gateway.db"))).toBe(true);
    } finally {
      await opened.close();
    }
  });
});
