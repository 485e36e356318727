// A single audit entry is one statement in its transaction on both databases (src/audit/log.ts):
// PostgreSQL writes it pending and chains it after the commit, in one more statement of its own
// (src/audit/seal.ts); SQLite hashes it over the head this process last left and inserts it
// only if the head row still holds that (migration 0013). When another process appended
// meanwhile, or the transaction that moved it rolled back, SQLite's guess is stale: it must then
// insert nothing and fall back to moving the head first, and the chain stays whole.
import { afterAll, beforeAll, expect, it } from "vitest";
import { countStatements, installCounter } from "../../bench/lib/statement-counter";
import { type AuditRecord, appendAudit, appendAuditMany, appendAuditNow, verifyAuditTrail } from "../../src/audit/log";
import { systemClock } from "../../src/clock";
import { type Db, openDatabase } from "../../src/db/client";
import { type FreshDatabase, describeEachDatabase } from "../support/databases";

const record = (subjectId: string): AuditRecord => ({ action: "GENERATION_SUBMITTED", actorTeamId: "team-a", subjectType: "Generation", subjectId });

describeEachDatabase("audit trail: one statement per single entry", (target) => {
  let database: FreshDatabase;
  // Two clients of one database: two processes, each with its own idea of the head.
  let one: { db: Db; close: () => Promise<void> };
  let two: { db: Db; close: () => Promise<void> };

  beforeAll(async () => {
    installCounter();
    database = await target.createDatabase();
    one = await openDatabase(database.url);
    two = await openDatabase(database.url);
    // Connected (SQLite's first statement of a connection is its busy_timeout pragma).
    for (const client of [one, two]) await client.db.auditHead.findMany();
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
    await database?.drop();
  });

  /** Statements of one append in its own transaction, BEGIN and COMMIT included (and PostgreSQL's seal after it). */
  const append = async (db: Db, subjectId: string) => (await countStatements(() => appendAuditNow(db, systemClock, record(subjectId)))).statements;
  const sqlite = target.provider === "sqlite";
  // BEGIN, the entry, COMMIT; on PostgreSQL the seal too.
  const usual = sqlite ? 3 : 4;

  it("is BEGIN, one statement, COMMIT once the process has appended; the head follows", async () => {
    // SQLite's first append of a process knows no head: it moves the head first.
    expect(await append(one.db, "a1")).toBe(sqlite ? 4 : usual);
    for (const id of ["a2", "a3", "a4"]) expect(await append(one.db, id)).toBe(usual);
    expect(await verifyAuditTrail(one.db)).toEqual({ entries: 4, firstProblem: null, headMatches: true });
  });

  it("falls back to moving the head when another process appended meanwhile", async () => {
    expect(await append(two.db, "b1")).toBe(sqlite ? 4 : usual);
    // One's guess is stale: its INSERT inserts nothing, then the head moves and the entry goes in.
    expect(await append(one.db, "a5")).toBe(sqlite ? 5 : usual);
    expect(await append(one.db, "a6")).toBe(usual);
    expect(await append(two.db, "b2")).toBe(sqlite ? 5 : usual);
    const entries = await one.db.auditEntry.findMany({ orderBy: { sequence: "asc" } });
    expect(entries.map((entry) => entry.subjectId)).toEqual(["a1", "a2", "a3", "a4", "b1", "a5", "a6", "b2"]);
    expect(await verifyAuditTrail(one.db)).toEqual({ entries: 8, firstProblem: null, headMatches: true });
  });

  it("falls back after a rolled-back append whose sequence another process took, and follows a multi-entry append", async () => {
    await expect(
      one.db.$transaction(async (tx) => {
        await appendAudit(tx, systemClock, record("rolled-back"));
        throw new Error("the action failed");
      }),
    ).rejects.toThrow("the action failed");
    // One's guess names an entry that was never committed, at the sequence two's entry now has.
    expect(await append(two.db, "b3")).toBe(usual);
    expect(await append(one.db, "a7")).toBe(sqlite ? 5 : usual);
    await one.db.$transaction((tx) => appendAuditMany(tx, systemClock, [record("m1"), record("m2"), record("m3")]));
    expect(await append(one.db, "a8")).toBe(usual);
    // Two appends in one transaction: the second chains onto the first.
    await one.db.$transaction(async (tx) => {
      await appendAudit(tx, systemClock, record("t1"));
      await appendAudit(tx, systemClock, record("t2"));
    });
    const entries = await one.db.auditEntry.findMany({ orderBy: { sequence: "asc" }, select: { sequence: true, subjectId: true } });
    expect(entries.slice(8).map((entry) => entry.subjectId)).toEqual(["b3", "a7", "m1", "m2", "m3", "a8", "t1", "t2"]);
    expect(entries.map((entry) => entry.sequence)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expect(await verifyAuditTrail(one.db)).toEqual({ entries: 16, firstProblem: null, headMatches: true });
  });
});
