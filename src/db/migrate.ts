// Applies the committed migrations for DATABASE_URL's provider at startup,
// without the Prisma CLI, recording them in `_prisma_migrations` exactly as
// `prisma migrate deploy` does (so `prisma migrate status` agrees).
import { readMigrationFiles } from "./migration-files";
import { applyPostgresqlMigrations } from "./migrate-postgresql";
import { applySqliteMigrations } from "./migrate-sqlite";
import { databaseProvider } from "./provider";

/**
 * Applies every committed migration not yet recorded, in name order, each in
 * its own transaction. Throws if an applied migration's file changed since.
 */
export async function applyMigrations(url: string): Promise<{ applied: string[] }> {
  const provider = databaseProvider(url);
  const files = readMigrationFiles(provider);
  const applied =
    provider === "sqlite" ? await applySqliteMigrations(url, files) : await applyPostgresqlMigrations(url, files);
  return { applied };
}
