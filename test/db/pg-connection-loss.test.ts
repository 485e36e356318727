// A PostgreSQL connection that dies inside a transaction (a restart, a failover, an operator's
// pg_terminate_backend) must not take a pool slot with it. Prisma 6.19 ends an interactive
// transaction by sending ROLLBACK (or COMMIT) and only then hands the connection back to the
// pool; when that statement fails on a dead connection, the connection was never handed back:
// every such loss shrank the pool by one until requests waited forever, and closing the
// database waited forever too (pool.end() waits for every checked-out connection).
import pg from "pg";
import { afterEach, expect, it } from "vitest";
import { openDatabase, type OpenDatabase } from "../../src/db/client";
import { transact } from "../../src/db/raw-transactions";
import { describeEachDatabase, type FreshDatabase, postgresAdminUrl } from "../support/databases";

/** Settles with the promise, or rejects naming what hung (a hang is what this file tests for). */
function within<T>(what: string, ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, hung]).finally(() => clearTimeout(timer));
}

describeEachDatabase(
  "a connection lost inside a transaction",
  (target) => {
    let database: FreshDatabase | undefined;
    let opened: OpenDatabase | undefined;
    let admin = new pg.Client({ connectionString: postgresAdminUrl });
    afterEach(async () => {
      // Bounded, so a regression fails here with the assertion's message, not a hook timeout.
      await within("closing the database", 10_000, opened?.close() ?? Promise.resolve()).catch(() => undefined);
      opened = undefined;
      await admin.end().catch(() => undefined);
      admin = new pg.Client({ connectionString: postgresAdminUrl });
      await database?.drop();
    });

    it("gives its pool slot back: a pool of one still answers, and closing returns", async () => {
      database = await target.createDatabase();
      opened = await openDatabase(database.url, { poolSize: 1 });
      const { db } = opened;
      await admin.connect();

      for (let round = 0; round < 3; round++) {
        const failed = db.$transaction(async (tx) => {
          const [backend] = await tx.$queryRawUnsafe<{ pid: number }[]>("SELECT pg_backend_pid() AS pid");
          await admin.query("SELECT pg_terminate_backend($1)", [backend?.pid]);
          await tx.team.count();
        });
        await expect(failed).rejects.toThrow();
        // With the slot lost, this waited for a free connection forever.
        expect(await within(`a query after losing connection ${round + 1}`, 10_000, db.team.count())).toBe(0);
      }
      const closing = opened.close();
      opened = undefined;
      await within("closing the database", 10_000, closing);
    });

    it("the same for a transaction on the driver adapter (transact), lost mid-way or right before its COMMIT", async () => {
      database = await target.createDatabase();
      opened = await openDatabase(database.url, { poolSize: 1 });
      const { db } = opened;
      await admin.connect();

      for (const when of ["mid-way", "before COMMIT", "mid-way", "before COMMIT"] as const) {
        let runs = 0;
        const failed = transact(db, async (tx) => {
          runs += 1;
          const [backend] = await tx.$queryRaw<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
          await admin.query("SELECT pg_terminate_backend($1)", [backend?.pid]);
          if (when === "mid-way") await tx.$executeRaw`UPDATE "AuditHead" SET "sequence" = "sequence" WHERE "id" = 1`;
        });
        await expect(failed).rejects.toThrow();
        // Raw SQL only: it ran on the adapter, once, and was not tried again through Prisma.
        expect(runs).toBe(1);
        expect(await within(`a query after losing the connection ${when}`, 10_000, db.team.count())).toBe(0);
        await within(`a transaction after losing the connection ${when}`, 10_000, transact(db, (tx) => tx.$executeRaw`SELECT 1`));
      }
      const closing = opened.close();
      opened = undefined;
      await within("closing the database", 10_000, closing);
    });
  },
  { only: ["postgresql"] },
);
