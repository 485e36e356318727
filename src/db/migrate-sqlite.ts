// Applies migrations to a SQLite database through @libsql/client.
import { createClient, type Client, type Transaction } from "@libsql/client";
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { MigrationFile } from "./migration-files";
import { pendingMigrations, type MigrationRow } from "./migration-plan";
import { sqliteFilePath } from "./provider";

/** How long a connection waits for another connection's write lock before SQLITE_BUSY. */
export const sqliteBusyTimeoutMs = 5_000;

// Exactly the table `prisma migrate deploy` creates on SQLite.
const createMigrationsTable = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

/** The timestamp format Prisma's libsql adapter writes (and reads back). */
function prismaTimestamp(date = new Date()): string {
  return date.toISOString().replace("Z", "+00:00");
}

/** Per file: the migration run in progress in this process, if any. */
const runsInProgress = new Map<string, Promise<unknown>>();

export async function applySqliteMigrations(url: string, files: MigrationFile[]): Promise<string[]> {
  // libsql's driver is synchronous: a second connection of THIS process
  // waiting for the write lock would block the thread holding it until the busy
  // timeout fails. So runs in one process queue here; other processes wait on
  // the SQLite lock.
  const path = resolve(sqliteFilePath(url));
  const previous = runsInProgress.get(path) ?? Promise.resolve();
  const run = previous.catch(() => {}).then(() => migrate(url, path, files));
  runsInProgress.set(path, run);
  try {
    return await run;
  } finally {
    if (runsInProgress.get(path) === run) runsInProgress.delete(path);
  }
}

async function migrate(url: string, path: string, files: MigrationFile[]): Promise<string[]> {
  // libsql creates a missing file but not a missing directory.
  mkdirSync(dirname(path), { recursive: true });
  const client = createClient({ url });
  try {
    await client.execute(`PRAGMA busy_timeout = ${sqliteBusyTimeoutMs}`);
    await useWriteAheadLog(client);
    await client.execute(createMigrationsTable);
    // Usual boot: nothing to do, no write lock taken. Throws on a modified migration.
    const pending = pendingMigrations(files, await readRows(client));
    const applied: string[] = [];
    // One write transaction per migration. BEGIN IMMEDIATE takes the write lock
    // before re-reading the table, so a second process booting at the same time
    // waits, then sees the migration as applied and skips it.
    for (const file of pending) {
      if (await applyIfPending(client, file, files)) applied.push(file.name);
    }
    return applied;
  } finally {
    client.close();
  }
}

async function applyIfPending(client: Client, file: MigrationFile, files: MigrationFile[]): Promise<boolean> {
  // client.transaction() hands its connection to the transaction and opens a
  // fresh one afterwards, so the busy timeout is set again each time.
  await client.execute(`PRAGMA busy_timeout = ${sqliteBusyTimeoutMs}`);
  const tx = await client.transaction("write");
  try {
    if (!pendingMigrations(files, await readRows(tx)).some((pending) => pending.name === file.name)) return false;
    await runAndRecord(tx, file);
    await tx.commit();
    return true;
  } finally {
    tx.close(); // rolls back unless committed
  }
}

/**
 * WAL: readers no longer block the writer (and the reverse); the mode is
 * persistent in the file. Switching needs an exclusive lock, and when two
 * processes switch a fresh file at once SQLite returns SQLITE_BUSY to one of
 * them at once instead of calling the busy handler (deadlock avoidance), so
 * retry until the busy timeout.
 */
async function useWriteAheadLog(client: Client): Promise<void> {
  const deadline = Date.now() + sqliteBusyTimeoutMs;
  for (;;) {
    try {
      const mode = (await client.execute("PRAGMA journal_mode = WAL")).rows[0]?.[0];
      if (mode === "wal") return;
      throw new Error(`SQLite refused journal_mode=WAL (still "${String(mode)}")`);
    } catch (error) {
      if ((error as { code?: string }).code !== "SQLITE_BUSY" || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

async function readRows(connection: Client | Transaction): Promise<MigrationRow[]> {
  const result = await connection.execute(
    `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"`,
  );
  return result.rows as unknown as MigrationRow[];
}

/** The row is written the way Prisma writes it: started, then finished with one applied step. */
async function runAndRecord(tx: Transaction, file: MigrationFile): Promise<void> {
  const id = randomUUID();
  await tx.execute({
    sql: `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES (?, ?, ?, ?, 0)`,
    args: [id, file.checksum, file.name, prismaTimestamp()],
  });
  try {
    await tx.executeMultiple(file.sql);
  } catch (error) {
    throw new Error(`SQLite migration "${file.name}" failed and was rolled back: ${(error as Error).message}`, { cause: error });
  }
  await tx.execute({
    sql: `UPDATE "_prisma_migrations" SET finished_at = ?, applied_steps_count = 1 WHERE id = ?`,
    args: [prismaTimestamp(), id],
  });
}
