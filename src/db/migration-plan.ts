// Decides which committed migrations still have to run, from the rows of
// `_prisma_migrations`, with the same rules as `prisma migrate deploy`.
import type { MigrationFile } from "./migration-files";

/** One row of `_prisma_migrations` (only the columns the decision needs). */
export interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: unknown;
  rolled_back_at: unknown;
}

export function pendingMigrations(files: MigrationFile[], rows: MigrationRow[]): MigrationFile[] {
  // Rows marked rolled back (by `prisma migrate resolve --rolled-back`) do not count.
  const live = rows.filter((row) => row.rolled_back_at == null);
  const failed = live.find((row) => row.finished_at == null);
  if (failed) {
    throw new Error(
      `Migration "${failed.migration_name}" started but never finished in this database. ` +
        "Inspect the database, then mark it with `prisma migrate resolve --applied` or `--rolled-back`.",
    );
  }
  const applied = new Map(live.map((row) => [row.migration_name, row.checksum]));
  for (const file of files) {
    const checksum = applied.get(file.name);
    if (checksum !== undefined && checksum !== file.checksum) {
      throw new Error(
        `Migration "${file.name}" was modified after it was applied to this database ` +
          `(recorded checksum ${checksum}, file ${file.checksum}). ` +
          "Never edit an applied migration: restore the file and add a new migration instead.",
      );
    }
  }
  return files.filter((file) => !applied.has(file.name));
}
