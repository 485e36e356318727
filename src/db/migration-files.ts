// The committed migrations of one provider, read from prisma/<provider>/migrations.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { projectPath } from "../project-root";
import type { DatabaseProvider } from "./provider";

export interface MigrationFile {
  /** Folder name, e.g. "0001_init": the `migration_name` Prisma records. */
  name: string;
  sql: string;
  /** sha256 hex of migration.sql's bytes, the `checksum` Prisma records. */
  checksum: string;
}

/** Resolved from the project, not the cwd, so the app can start from any directory (and compiled). */
export function migrationsDirectory(provider: DatabaseProvider): string {
  return `${projectPath("prisma", provider, "migrations")}/`;
}

/** Every migration folder holding a migration.sql, in name (= apply) order. */
export function readMigrationFiles(provider: DatabaseProvider): MigrationFile[] {
  const dir = migrationsDirectory(provider);
  if (!existsSync(dir)) throw new Error(`migrations folder not found: ${dir}`);
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(`${dir}/${entry.name}/migration.sql`))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const bytes = readFileSync(`${dir}/${name}/migration.sql`);
      return { name, sql: bytes.toString("utf8"), checksum: createHash("sha256").update(bytes).digest("hex") };
    });
}
