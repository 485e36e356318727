import { afterAll, beforeAll, expect, it } from "vitest";
import { appendAudit, appendAuditNow, verifyAuditTrail } from "../../src/audit/log";
import { systemClock } from "../../src/clock";
import { type Db, openDatabase } from "../../src/db/client";
import { type FreshDatabase, describeEachDatabase, queryDatabase } from "../support/databases";

describeEachDatabase("audit trail storage", (target) => {
  let database: FreshDatabase;
  let db: Db;
  let close: () => Promise<void>;

  beforeAll(async () => {
    database = await target.createDatabase();
    ({ db, close } = await openDatabase(database.url));
  });
  afterAll(async () => {
    await close?.();
    await database?.drop();
  });

  it("appends concurrently into one gap-free, intact chain", async () => {
    await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        appendAuditNow(db, systemClock, {
          action: "GENERATION_CREATED",
          actorTeamId: "team-a",
          subjectType: "Generation",
          subjectId: `gen-${i}`,
          details: { estimateUsd: 0.091 },
        }),
      ),
    );
    const verdict = await verifyAuditTrail(db);
    expect(verdict).toEqual({ entries: 25, firstProblem: null, headMatches: true });
    const sequences = (await db.auditEntry.findMany({ orderBy: { sequence: "asc" } })).map((e) => e.sequence);
    expect(sequences).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  });

  it("writes nothing when the action's transaction rolls back", async () => {
    const before = await db.auditEntry.count();
    await expect(
      db.$transaction(async (tx) => {
        await appendAudit(tx, systemClock, { action: "KEY_CREATED", subjectId: "k" });
        throw new Error("the action failed");
      }),
    ).rejects.toThrow("the action failed");
    expect(await db.auditEntry.count()).toBe(before);
    expect((await verifyAuditTrail(db)).firstProblem).toBeNull();
  });

  it("names the first tampered entry, and notices the newest ones deleted", async () => {
    const quote = database.provider === "postgresql" ? '"' : "`";
    const table = `${quote}AuditEntry${quote}`;
    await queryDatabase(database, `UPDATE ${table} SET details = '{"estimateUsd":0}' WHERE sequence = 7`);
    expect((await verifyAuditTrail(db)).firstProblem).toEqual({ kind: "EDITED", sequence: 7 });

    await queryDatabase(database, `UPDATE ${table} SET details = '{"estimateUsd":0.091}' WHERE sequence = 7`);
    expect((await verifyAuditTrail(db)).firstProblem).toBeNull();
    await queryDatabase(database, `DELETE FROM ${table} WHERE sequence = 12`);
    expect((await verifyAuditTrail(db)).firstProblem).toEqual({ kind: "MISSING", sequence: 12 });
  });
});
