import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { appendAuditNow } from "../../src/audit/log";
import { systemClock } from "../../src/clock";
import { type Db, openDatabase } from "../../src/db/client";
import { type FreshDatabase, describeEachDatabase, queryDatabase } from "../support/databases";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** `npm run audit -- verify` as an operator runs it: a separate process on DATABASE_URL. */
function runVerify(databaseUrl: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "bin/audit.ts", "verify", ...args],
      { cwd: REPO_ROOT, env: { ...process.env, DATABASE_URL: databaseUrl }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? ((error.code as number) ?? 1) : 0, stdout, stderr }),
    );
  });
}

describeEachDatabase("npm run audit -- verify", (target) => {
  let database: FreshDatabase;
  let db: Db;
  let close: () => Promise<void>;
  let table: string;

  beforeAll(async () => {
    database = await target.createDatabase();
    ({ db, close } = await openDatabase(database.url));
    const quote = database.provider === "postgresql" ? '"' : "`";
    table = `${quote}AuditEntry${quote}`;
    for (let i = 1; i <= 12; i += 1) {
      await appendAuditNow(db, systemClock, {
        action: i % 3 === 0 ? "GENERATION_SETTLED" : "GENERATION_CREATED",
        actorKeyId: "key-1",
        actorTeamId: "team-1",
        clientAddress: "203.0.113.9",
        subjectType: "Generation",
        subjectId: `gen-${i}`,
        details: { estimatedCostUsd: 0.091, costUsd: i % 3 === 0 ? 0.091 : null },
      });
    }
  });
  afterAll(async () => {
    await close?.();
    await database?.drop();
  });

  it("says OK with the number of entries checked, exit 0", async () => {
    const result = await runVerify(database.url);
    expect(result.stdout).toContain("Audit trail OK: 12 entries checked");
    expect(result.code).toBe(0);
    const json = await runVerify(database.url, "--json");
    expect(JSON.parse(json.stdout)).toEqual({ intact: true, entries: 12, firstProblem: null, headMatches: true });
  });

  it("names the first edited entry in the middle, exit 1", async () => {
    const [original] = await queryDatabase(database, `SELECT details FROM ${table} WHERE sequence = 6`);
    await queryDatabase(database, `UPDATE ${table} SET details = '{"estimatedCostUsd":0,"costUsd":0}' WHERE sequence = 6`);
    const result = await runVerify(database.url);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("BROKEN at entry 6 (EDITED)");
    const placeholder = database.provider === "sqlite" ? "?" : "$1";
    await queryDatabase(database, `UPDATE ${table} SET details = ${placeholder} WHERE sequence = 6`, [original?.details]);
    expect((await runVerify(database.url)).code).toBe(0);
  });

  it("names an entry whose actor was rewritten, exit 1", async () => {
    await queryDatabase(database, `UPDATE ${table} SET "actorKeyId" = 'key-evil' WHERE sequence = 4`);
    const result = await runVerify(database.url);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("BROKEN at entry 4 (EDITED)");
    await queryDatabase(database, `UPDATE ${table} SET "actorKeyId" = 'key-1' WHERE sequence = 4`);
  });

  it("names a deleted entry in the middle, exit 1", async () => {
    await queryDatabase(database, `DELETE FROM ${table} WHERE sequence = 8`);
    const result = await runVerify(database.url);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("BROKEN at entry 8 (MISSING)");
  });

  it("notices the newest entries deleted (the head remembers), exit 1", async () => {
    const fresh = await target.createDatabase();
    const opened = await openDatabase(fresh.url);
    try {
      for (let i = 0; i < 3; i += 1) await appendAuditNow(opened.db, systemClock, { action: "KEY_CREATED", subjectId: `k${i}` });
      const quote = fresh.provider === "postgresql" ? '"' : "`";
      await queryDatabase(fresh, `DELETE FROM ${quote}AuditEntry${quote} WHERE sequence = 3`);
      const result = await runVerify(fresh.url);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain("TRUNCATED");
    } finally {
      await opened.close();
      await fresh.drop();
    }
  });
});
