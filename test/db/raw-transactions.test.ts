// transact (src/db/raw-transactions.ts): one transaction, on SQLite on the driver adapter while
// it runs raw SQL only, else (and on PostgreSQL) through Prisma; committed once either way.
import { sqltag } from "@prisma/client/runtime/client";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { type OpenDatabase, type Tx, openDatabase } from "../../src/db/client";
import { transact } from "../../src/db/raw-transactions";
import { type FreshDatabase, describeEachDatabase } from "../support/databases";

describeEachDatabase("transact", (target) => {
  let database: FreshDatabase;
  let opened: OpenDatabase;
  beforeAll(async () => {
    database = await target.createDatabase();
    opened = await openDatabase(database.url);
  });
  afterAll(async () => {
    await opened?.close();
    await database?.drop();
  });
  beforeEach(async () => {
    await opened.db.creditSnapshot.deleteMany();
  });

  const readAt = new Date("2026-11-30T12:00:00.123Z");
  const insert = (tx: Tx, upstream: string) =>
    tx.$executeRaw`INSERT INTO "CreditSnapshot" ("upstream", "credits", "freeCredits", "readAt") VALUES (${upstream}, ${1.5}, ${0}, ${readAt})`;
  const snapshots = () => opened.db.creditSnapshot.findMany({ orderBy: { id: "asc" } });

  it("commits raw statements, both as a tagged template and as a prepared Sql, and reads back what they wrote", async () => {
    let runs = 0;
    const seen = await transact(opened.db, async (tx) => {
      runs += 1;
      await insert(tx, "a");
      await tx.$executeRaw(sqltag`INSERT INTO "CreditSnapshot" ("upstream", "credits", "freeCredits", "readAt") VALUES (${"b"}, ${2}, ${0}, ${readAt})`);
      return tx.$queryRaw<Array<{ upstream: string }>>`SELECT "upstream" FROM "CreditSnapshot" ORDER BY "id"`;
    });
    expect(runs).toBe(1);
    expect(seen.map((row) => row.upstream)).toEqual(["a", "b"]);
    expect((await snapshots()).map((row) => [row.upstream, row.credits, row.readAt.toISOString()])).toEqual([
      ["a", 1.5, readAt.toISOString()],
      ["b", 2, readAt.toISOString()],
    ]);
  });

  it("rolls back and rethrows when the work throws", async () => {
    await expect(
      transact(opened.db, async (tx) => {
        await insert(tx, "a");
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    expect(await snapshots()).toEqual([]);
  });

  it("work that needs more than raw SQL runs again in a Prisma transaction: one commit, the first attempt's writes gone", async () => {
    let runs = 0;
    const count = await transact(opened.db, async (tx) => {
      runs += 1;
      await insert(tx, `run ${runs}`);
      return tx.creditSnapshot.count();
    });
    // SQLite tried the adapter first; PostgreSQL went to Prisma at once.
    expect(runs).toBe(target.provider === "sqlite" ? 2 : 1);
    expect(count).toBe(1);
    expect((await snapshots()).map((row) => row.upstream)).toEqual([`run ${runs}`]);
  });

  it("a refused model operation that the work catches still voids the attempt", async () => {
    let runs = 0;
    await transact(opened.db, async (tx) => {
      runs += 1;
      await insert(tx, `run ${runs}`);
      const found = await Promise.resolve()
        .then(() => tx.creditSnapshot.findFirst())
        .catch(() => "refused");
      if (found === "refused") await insert(tx, "as if the read had found nothing");
    });
    expect(runs).toBe(target.provider === "sqlite" ? 2 : 1);
    expect((await snapshots()).map((row) => row.upstream)).toEqual([`run ${runs}`]);
  });

  it("runs unsafe raw text as is; with bound values, it goes to Prisma, which binds them", async () => {
    let runs = 0;
    const [row] = await transact(opened.db, async (tx) => {
      runs += 1;
      await tx.$executeRawUnsafe(`INSERT INTO "CreditSnapshot" ("upstream", "credits", "freeCredits", "readAt") VALUES ('plain', 1, 0, '2026-11-30T12:00:00.123+00:00')`);
      const placeholder = target.provider === "sqlite" ? "?" : "$1";
      return tx.$queryRawUnsafe<Array<{ n: number | bigint }>>(`SELECT COUNT(*) AS "n" FROM "CreditSnapshot" WHERE "upstream" = ${placeholder}`, "plain");
    });
    expect(runs).toBe(target.provider === "sqlite" ? 2 : 1);
    expect(Number(row?.n)).toBe(1);
    expect((await snapshots()).map((snapshot) => snapshot.upstream)).toEqual(["plain"]);
  });

  it("an error of the database itself is rethrown, nothing written", async () => {
    await expect(
      transact(opened.db, async (tx) => {
        await insert(tx, "a");
        await tx.$executeRaw`INSERT INTO "NoSuchTable" ("x") VALUES (${1})`;
      }),
    ).rejects.toThrow(/NoSuchTable/);
    expect(await snapshots()).toEqual([]);
    // The connection is usable again (SQLite's one connection is replaced after a failure).
    await transact(opened.db, (tx) => insert(tx, "after"));
    expect((await snapshots()).map((row) => row.upstream)).toEqual(["after"]);
  });
});
