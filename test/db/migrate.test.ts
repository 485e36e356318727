// applyMigrations on both providers: the committed SQL creates the model, is
// recorded the way Prisma records it, runs once, and refuses tampering.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Prisma } from "../../src/generated/sqlite/client";
import { readMigrationFiles, migrationsDirectory } from "../../src/db/migration-files";
import { applyMigrations } from "../../src/db/migrate";
import { createFreshDatabase, describeEachDatabase, queryDatabase, type FreshDatabase } from "../support/databases";

type Database = Pick<FreshDatabase, "provider" | "url">;

async function tableColumns(database: Database): Promise<Map<string, string[]>> {
  const rows =
    database.provider === "sqlite"
      ? await queryDatabase(
          database,
          `SELECT m.name AS table_name, c.name AS column_name FROM sqlite_master m, pragma_table_info(m.name) c
           WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`,
        )
      : await queryDatabase(
          database,
          "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'",
        );
  const tables = new Map<string, string[]>();
  for (const row of rows) {
    const table = String(row.table_name);
    tables.set(table, [...(tables.get(table) ?? []), String(row.column_name)]);
  }
  return tables;
}

/** Every model's scalar fields, from the generated client (built from models.prisma). */
function modelColumns(): Map<string, string[]> {
  const enums = Prisma as unknown as Record<string, Record<string, string>>;
  return new Map(
    Object.values(Prisma.ModelName).map((model) => [model, Object.values(enums[`${model}ScalarFieldEnum`]!)]),
  );
}

const migrationRowsSql = `SELECT id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count
  FROM "_prisma_migrations" ORDER BY migration_name`;

describeEachDatabase("applyMigrations", (target) => {
  const databases: FreshDatabase[] = [];
  async function freshDatabase(): Promise<FreshDatabase> {
    const database = await target.createDatabase();
    databases.push(database);
    return database;
  }
  afterEach(async () => {
    await Promise.all(databases.splice(0).map((database) => database.drop()));
  });

  it("creates every model's table with every scalar column", async () => {
    const database = await freshDatabase();
    await applyMigrations(database.url);
    const tables = await tableColumns(database);
    for (const [model, columns] of modelColumns()) {
      expect(tables.get(model)?.sort(), `table ${model}`).toEqual([...columns].sort());
    }
    expect([...tables.keys()].sort()).toEqual([...modelColumns().keys(), "_prisma_migrations"].sort());
  });

  it("records each migration like Prisma, and a second run applies nothing", async () => {
    const database = await freshDatabase();
    const files = readMigrationFiles(target.provider);
    expect(await applyMigrations(database.url)).toEqual({ applied: files.map((file) => file.name) });
    expect(await applyMigrations(database.url)).toEqual({ applied: [] });

    const rows = await queryDatabase(database, migrationRowsSql);
    expect(rows.map((row) => row.migration_name)).toEqual(files.map((file) => file.name));
    for (const row of rows) {
      const sql = readFileSync(join(migrationsDirectory(target.provider), String(row.migration_name), "migration.sql"));
      expect(row.checksum).toBe(createHash("sha256").update(sql).digest("hex"));
      expect(String(row.id)).toMatch(/^[0-9a-f-]{36}$/);
      expect(row.finished_at).not.toBeNull();
      expect(row.started_at).not.toBeNull();
      expect(row.rolled_back_at).toBeNull();
      expect(row.logs).toBeNull();
      expect(Number(row.applied_steps_count)).toBe(1);
    }
  });

  it("refuses a migration whose file changed after it was applied", async () => {
    const database = await freshDatabase();
    await applyMigrations(database.url);
    await queryDatabase(database, `UPDATE "_prisma_migrations" SET checksum = 'tampered' WHERE migration_name = '0001_init'`);
    await expect(applyMigrations(database.url)).rejects.toThrow(/"0001_init" was modified after it was applied/);
  });

  it("refuses to continue after a migration that started but never finished", async () => {
    const database = await freshDatabase();
    await applyMigrations(database.url);
    await queryDatabase(database, `UPDATE "_prisma_migrations" SET finished_at = NULL WHERE migration_name = '0001_init'`);
    await expect(applyMigrations(database.url)).rejects.toThrow(/"0001_init" started but never finished/);
  });

  it("two concurrent runs on a fresh database apply each migration once", async () => {
    const database = await freshDatabase();
    const [first, second] = await Promise.all([applyMigrations(database.url), applyMigrations(database.url)]);
    const names = readMigrationFiles(target.provider).map((file) => file.name);
    expect([...first.applied, ...second.applied].sort()).toEqual(names);
    const rows = await queryDatabase(database, migrationRowsSql);
    expect(rows.map((row) => row.migration_name)).toEqual(names);
  });

  it("two processes booting at once on a fresh database apply each migration once", async () => {
    const database = await freshDatabase();
    // Both start their run at the same instant, whatever their startup times.
    const startAt = Date.now() + 2_000;
    const runs = await Promise.all([
      runMigrationsInChildProcess(database.url, startAt),
      runMigrationsInChildProcess(database.url, startAt),
    ]);
    const names = readMigrationFiles(target.provider).map((file) => file.name);
    expect(runs.flatMap((run) => run.applied).sort()).toEqual(names);
    expect((await queryDatabase(database, migrationRowsSql)).map((row) => row.migration_name)).toEqual(names);
  });
});

/** `node --import tsx` running applyMigrations(url) at `startAt` (epoch ms) in a separate process. */
function runMigrationsInChildProcess(url: string, startAt: number): Promise<{ applied: string[] }> {
  const migrateModule = new URL("../../src/db/migrate.ts", import.meta.url).href;
  const script = `const { applyMigrations } = await import(${JSON.stringify(migrateModule)});
    await new Promise((resolve) => setTimeout(resolve, ${startAt} - Date.now()));
    process.stdout.write(JSON.stringify(await applyMigrations(${JSON.stringify(url)})));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: "pipe" });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(JSON.parse(stdout)) : reject(new Error(`exit ${code}: ${stderr}`))));
  });
}

describe("prisma migrate status agrees with applyMigrations (SQLite; the CLI cannot read PostgreSQL here)", () => {
  it("reports the database up to date", async () => {
    const database = await createFreshDatabase("sqlite");
    try {
      await applyMigrations(database.url);
      const result = spawnSync(
        process.execPath,
        [createRequire(import.meta.url).resolve("prisma/build/index.js"), "migrate", "status"],
        { encoding: "utf8", env: { ...process.env, DATABASE_URL: database.url } },
      );
      expect(result.stdout, result.stderr).toContain("Database schema is up to date!");
      expect(result.status).toBe(0);
    } finally {
      await database.drop();
    }
  });
});
