// The generated provider schemas and the two migration histories must never
// drift from prisma/models.prisma or from each other.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { migrationNames, migrationsDir, snapshotFileName } from "../../scripts/new-migration";
import { modelsPath, providerSchemaPath, renderProviderSchema, schemaProviders } from "../../scripts/prisma-schemas";

describe("provider schemas", () => {
  it.each(schemaProviders)("prisma/%s/schema.prisma is the rendering of models.prisma (run `npm run prisma:generate`)", (provider) => {
    const models = readFileSync(modelsPath, "utf8");
    expect(readFileSync(providerSchemaPath(provider), "utf8")).toBe(renderProviderSchema(provider, models));
  });
});

describe("migration folders", () => {
  it("sqlite and postgresql have the same migrations, in the same order", () => {
    expect(migrationNames("sqlite").length).toBeGreaterThan(0);
    expect(migrationNames("postgresql")).toEqual(migrationNames("sqlite"));
  });

  it.each(schemaProviders)("%s: every migration has its SQL and schema snapshot, and the lock names the provider", (provider) => {
    for (const name of migrationNames(provider)) {
      expect(existsSync(join(migrationsDir(provider), name, "migration.sql")), name).toBe(true);
      expect(existsSync(join(migrationsDir(provider), name, snapshotFileName)), name).toBe(true);
    }
    const lock = readFileSync(join(migrationsDir(provider), "migration_lock.toml"), "utf8");
    expect(lock).toContain(`provider = "${provider}"`);
  });

  // Catches a model change committed without `npm run db:migration -- <name>`.
  it.each(schemaProviders)("%s: the last migration's snapshot has no schema difference with the current schema", (provider) => {
    const last = migrationNames(provider).at(-1)!;
    const scratch = mkdtempSync(join(tmpdir(), "sg-diff-"));
    try {
      const result = spawnSync(
        process.execPath,
        [
          createRequire(import.meta.url).resolve("prisma/build/index.js"),
          "migrate", "diff", "--exit-code",
          "--from-schema-datamodel", join(migrationsDir(provider), last, snapshotFileName),
          "--to-schema-datamodel", providerSchemaPath(provider),
          "--script",
        ],
        { encoding: "utf8", env: { ...process.env, DATABASE_URL: `file:${join(scratch, "scratch.db")}` } },
      );
      // --exit-code: 0 = no difference, 2 = difference, anything else = error.
      expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
