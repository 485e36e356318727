// transact (src/db/raw-transactions.ts): one transaction, on the driver adapter while it runs
// raw SQL only, else through Prisma; committed once either way. On PostgreSQL also: the audit
// entries it wrote are chained before it returns, and it gives up on a full pool as Prisma does.
import { sqltag } from "@prisma/client/runtime/client";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { type OpenDatabase, type Tx, openDatabase } from "../../src/db/client";
import { appendAudit, verifyAuditTrail } from "../../src/audit/log";
import type { Clock } from "../../src/clock";
import { isContention } from "../../src/db/contention";
import { transact } from "../../src/db/raw-transactions";
import { TRANSACTION_MAX_WAIT_MS, TransactionStartTimeout } from "../../src/db/rows";
import { type FreshDatabase, describeEachDatabase } from "../support/databases";
import { deferred } from "../support/deferred";

const readAt = new Date("2026-11-30T12:00:00.123Z");
const insert = (tx: Tx, upstream: string) =>
  tx.$executeRaw`INSERT INTO "CreditSnapshot" ("upstream", "credits", "freeCredits", "readAt") VALUES (${upstream}, ${1.5}, ${0}, ${readAt})`;

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
    // The adapter first, then Prisma.
    expect(runs).toBe(2);
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
    expect(runs).toBe(2);
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
    expect(runs).toBe(2);
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

describeEachDatabase(
  "transact on PostgreSQL's pool",
  (target) => {
    let database: FreshDatabase;
    let opened: OpenDatabase;
    beforeAll(async () => {
      database = await target.createDatabase();
      opened = await openDatabase(database.url, { poolSize: 1 });
    });
    afterAll(async () => {
      await opened?.close();
      await database?.drop();
    });

    it("chains the audit entries it wrote before it returns, as $transaction does", async () => {
      const clock: Clock = { now: () => new Date("2026-11-30T12:00:00.000Z") };
      let runs = 0;
      await transact(opened.db, async (tx) => {
        runs += 1;
        await appendAudit(tx, clock, { action: "TEAM_CREATED", subjectType: "Team", subjectId: "team-a" });
      });
      expect(runs).toBe(1);
      // Read at once, without sealAudit: nothing pending, the entry in the chain.
      const [pending] = await opened.db.$queryRawUnsafe<Array<{ n: number }>>(`SELECT COUNT(*)::int AS "n" FROM "AuditPending"`);
      expect(pending?.n).toBe(0);
      const entries = await opened.db.auditEntry.findMany({ where: { subjectId: "team-a" } });
      expect(entries.map((entry) => entry.action)).toEqual(["TEAM_CREATED"]);
      expect(await verifyAuditTrail(opened.db)).toMatchObject({ entries: 1, firstProblem: null, headMatches: true });
    });

    it("gives up after Prisma's maxWait when every pooled connection is taken, and loses no connection", async () => {
      const held = deferred();
      const holding = deferred();
      // The pool's one connection, in a transaction of its own until released.
      const holder = opened.db.$transaction(
        async (tx) => {
          await tx.$executeRaw`SELECT 1`;
          holding.resolve();
          await held.promise;
        },
        { timeout: 20_000 },
      );
      await holding.promise;
      const startedAt = Date.now();
      const refused = await transact(opened.db, (tx) => insert(tx, "never")).then(
        () => null,
        (error: unknown) => error,
      );
      const waited = Date.now() - startedAt;
      expect(refused).toBeInstanceOf(TransactionStartTimeout);
      // Answered as contention (a BusyError to the client), as Prisma's P2028 is.
      expect(isContention(refused)).toBe(true);
      expect(waited).toBeGreaterThanOrEqual(TRANSACTION_MAX_WAIT_MS - 50);
      held.resolve();
      await holder;
      // The connection the refused transaction was waiting for reached it later: rolled back and
      // handed back, so the pool of one still serves a transaction and a query.
      await transact(opened.db, (tx) => insert(tx, "after"));
      expect((await opened.db.creditSnapshot.findMany()).map((row) => row.upstream)).toEqual(["after"]);
    }, 20_000);
  },
  { only: ["postgresql"] },
);
