// Applies migrations to a PostgreSQL database through `pg`.
import { randomUUID } from "node:crypto";
import pg from "pg";
import type { MigrationFile } from "./migration-files";
import { pendingMigrations, type MigrationRow } from "./migration-plan";

/** The advisory lock key `prisma migrate` uses, so the app and the CLI also exclude each other. */
const prismaMigrateLockKey = 72707369;

// Exactly the table `prisma migrate deploy` creates on PostgreSQL.
const createMigrationsTable = `CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
)`;

export async function applyPostgresqlMigrations(url: string, files: MigrationFile[]): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  // A connection lost mid-run already rejects the pending query; without a
  // listener the 'error' event would also crash the process.
  client.on("error", () => {});
  await client.connect();
  try {
    // A second process booting at the same time waits here, then finds
    // everything applied. Session lock: released by the unlock or by disconnecting.
    await client.query("SELECT pg_advisory_lock($1)", [prismaMigrateLockKey]);
    try {
      await client.query(createMigrationsTable);
      const rows = (await client.query<MigrationRow>(
        "SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations",
      )).rows;
      const pending = pendingMigrations(files, rows);
      for (const file of pending) await applyOne(client, file);
      return pending.map((file) => file.name);
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [prismaMigrateLockKey]);
    }
  } finally {
    await client.end();
  }
}

/** PostgreSQL DDL is transactional: the script and its row commit together or not at all. */
async function applyOne(client: pg.Client, file: MigrationFile): Promise<void> {
  await client.query("BEGIN");
  try {
    const id = randomUUID();
    await client.query(
      "INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)",
      [id, file.checksum, file.name],
    );
    // No parameters: pg uses the simple query protocol, which runs every statement of the script.
    await client.query(file.sql);
    await client.query(
      "UPDATE _prisma_migrations SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1",
      [id],
    );
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK");
    throw new Error(`PostgreSQL migration "${file.name}" failed and was rolled back: ${(error as Error).message}`, { cause: error });
  }
}
