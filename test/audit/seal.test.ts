// PostgreSQL writes audit entries pending in their action's transaction and chains them after
// its commit (src/audit/seal.ts). These tests hold what that must keep: no audited transaction
// waits for another one's commit; every committed entry is chained by the time the call that
// wrote it returns, or by the next reader when its process died before chaining; a rolled-back
// entry never appears; two processes appending at once leave one gap-free, intact chain.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuditRecord, appendAudit, appendAuditMany, appendAuditNow, verifyAuditTrail } from "../../src/audit/log";
import { sealAudit } from "../../src/audit/seal";
import { systemClock } from "../../src/clock";
import { type Db, openDatabase } from "../../src/db/client";
import { leavePendingAuditEntry } from "../support/audit";
import { type FreshDatabase, createFreshDatabase, queryDatabase } from "../support/databases";
import { deferred } from "../support/deferred";

const record = (subjectId: string): AuditRecord => ({ action: "KEY_CREATED", subjectType: "ApiKey", subjectId });

describe("audit trail on PostgreSQL: entries chained after their commit", () => {
  let database: FreshDatabase;
  // Two clients of one database: two gateway instances.
  let one: { db: Db; close: () => Promise<void> };
  let two: { db: Db; close: () => Promise<void> };

  beforeAll(async () => {
    database = await createFreshDatabase("postgresql");
    one = await openDatabase(database.url);
    two = await openDatabase(database.url);
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
    await database?.drop();
  });

  const subjects = async () =>
    (await queryDatabase(database, `SELECT "subjectId" FROM "AuditEntry" ORDER BY "sequence"`)).map((row) => row.subjectId as string);
  const pending = async () => Number((await queryDatabase(database, `SELECT count(*) AS n FROM "AuditPending"`))[0]?.n);

  it("is chained by the time the transaction that wrote it returns", async () => {
    await appendAuditNow(one.db, systemClock, record("k1"));
    expect(await subjects()).toEqual(["k1"]);
    expect(await pending()).toBe(0);
    expect(await verifyAuditTrail(two.db)).toEqual({ entries: 1, firstProblem: null, headMatches: true });
  });

  it("an audited transaction does not wait for another one that is still open", async () => {
    const held = deferred();
    const appended = deferred();
    // Instance one: an audited action whose transaction stays open (its entry written).
    const slow = one.db.$transaction(
      async (tx) => {
        await appendAudit(tx, systemClock, record("slow"));
        appended.resolve();
        await held.promise;
      },
      { timeout: 10_000 },
    );
    await appended.promise;
    // Instance two commits an audited action meanwhile. With the chain written inside each
    // transaction, this waited for the head's row lock until `slow` committed.
    const started = performance.now();
    const fast = appendAuditNow(two.db, systemClock, record("fast")).then(() => performance.now() - started);
    const raced = await Promise.race([fast, new Promise<"blocked">((resolve) => setTimeout(() => resolve("blocked"), 2_000))]);
    held.resolve();
    await slow;
    expect(raced).not.toBe("blocked");
    // Chained in commit order: fast first.
    expect((await subjects()).slice(-2)).toEqual(["fast", "slow"]);
    expect(await verifyAuditTrail(one.db)).toMatchObject({ firstProblem: null, headMatches: true });
  });

  it("a rolled-back entry never appears", async () => {
    const before = await subjects();
    await expect(
      one.db.$transaction(async (tx) => {
        await appendAudit(tx, systemClock, record("rolled-back"));
        throw new Error("the action failed");
      }),
    ).rejects.toThrow("the action failed");
    expect(await subjects()).toEqual(before);
    expect(await pending()).toBe(0);
  });

  it("an entry whose process died before chaining it is chained by the next reader, or the next start", async () => {
    // What a process leaves when it stops between its commit and its seal: a pending row.
    const leftover = (subjectId: string) => leavePendingAuditEntry(one.db, subjectId, new Date("2026-11-29T12:00:00.000Z"));
    await leftover("orphan-1");
    expect(await verifyAuditTrail(two.db)).toMatchObject({ firstProblem: null, headMatches: true });
    expect((await subjects()).at(-1)).toBe("orphan-1");
    await leftover("orphan-2");
    const restarted = await openDatabase(database.url);
    try {
      expect(await pending()).toBe(0);
      expect((await subjects()).at(-1)).toBe("orphan-2");
    } finally {
      await restarted.close();
    }
    expect(await verifyAuditTrail(one.db)).toMatchObject({ firstProblem: null, headMatches: true });
  });

  it("two instances appending at once leave one gap-free chain with every entry", async () => {
    const before = (await subjects()).length;
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => appendAuditNow(i % 2 === 0 ? one.db : two.db, systemClock, record(`c${i}`))),
    );
    const after = await subjects();
    expect(after.length).toBe(before + 40);
    expect(new Set(after.slice(before))).toEqual(new Set(Array.from({ length: 40 }, (_, i) => `c${i}`)));
    const sequences = (await queryDatabase(database, `SELECT "sequence" FROM "AuditEntry" ORDER BY "sequence"`)).map((row) => Number(row.sequence));
    expect(sequences).toEqual(Array.from({ length: sequences.length }, (_, i) => i + 1));
    await sealAudit(one.db);
    expect(await verifyAuditTrail(two.db)).toEqual({ entries: before + 40, firstProblem: null, headMatches: true });
  });

  it("a batch larger than one seal statement chains whole and in order", async () => {
    const before = (await subjects()).length;
    await one.db.$transaction(async (tx) => {
      for (let i = 0; i < 3; i += 1) {
        // 3 × 400 entries in one transaction: more than one seal statement takes (500).
        await appendAuditMany(tx, systemClock, Array.from({ length: 400 }, (_, j) => record(`b${i * 400 + j}`)));
      }
    });
    const after = await subjects();
    expect(after.slice(before)).toEqual(Array.from({ length: 1_200 }, (_, i) => `b${i}`));
    expect(await verifyAuditTrail(two.db)).toEqual({ entries: before + 1_200, firstProblem: null, headMatches: true });
  });
});
