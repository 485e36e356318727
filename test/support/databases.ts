// Fresh, isolated databases for tests, on every provider the gateway supports.
//
//   describeEachDatabase("generations", (target) => {
//     let database: FreshDatabase;
//     beforeAll(async () => { database = await target.createDatabase(); });
//     afterAll(() => database.drop());
//     ...
//   });
//
// PostgreSQL unreachable: its blocks are skipped visibly on a developer
// machine, but FAIL when process.env.CI is set (a skip in CI is a failure).
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import pg from "pg";
import { describe, it } from "vitest";
import type { DatabaseProvider } from "../../src/db/provider";

export const providers: readonly DatabaseProvider[] = ["sqlite", "postgresql"];

/** Where test databases are created (override with TEST_POSTGRES_URL). */
export const postgresAdminUrl = process.env.TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/test";

export interface FreshDatabase {
  provider: DatabaseProvider;
  /** A DATABASE_URL for openDatabase / applyMigrations. */
  url: string;
  /** Deletes the database (and, for PostgreSQL, ends its connections first). */
  drop(): Promise<void>;
}

/** A new, empty database (no tables, no migrations) on each call. */
export async function createFreshDatabase(provider: DatabaseProvider): Promise<FreshDatabase> {
  return provider === "sqlite" ? createSqliteDatabase() : createPostgresqlDatabase();
}

async function createSqliteDatabase(): Promise<FreshDatabase> {
  const dir = mkdtempSync(join(tmpdir(), "sg-test-"));
  return {
    provider: "sqlite",
    url: `file:${join(dir, "gateway.db")}`,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function createPostgresqlDatabase(): Promise<FreshDatabase> {
  const name = `sg_test_${randomBytes(6).toString("hex")}`;
  await withAdminClient((admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = new URL(postgresAdminUrl);
  url.pathname = `/${name}`;
  return {
    provider: "postgresql",
    url: url.toString(),
    drop: () =>
      withAdminClient(async (admin) => {
        await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [name]);
        await admin.query(`DROP DATABASE IF EXISTS ${name}`);
      }),
  };
}

async function withAdminClient<T>(use: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: postgresAdminUrl, connectionTimeoutMillis: 3_000 });
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.end();
  }
}

/**
 * Runs one SQL statement on a test database outside Prisma (to inspect or
 * tamper with it) and returns the rows as plain objects.
 */
export async function queryDatabase(
  database: Pick<FreshDatabase, "provider" | "url">,
  sql: string,
  params: unknown[] = [],
): Promise<Record<string, unknown>[]> {
  if (database.provider === "sqlite") {
    const client = createClient({ url: database.url });
    try {
      const result = await client.execute({ sql, args: params as never });
      return result.rows.map((row) => Object.fromEntries(result.columns.map((column) => [column, row[column]])));
    } finally {
      client.close();
    }
  }
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** Why PostgreSQL cannot be used, or undefined when it can. Probed once per test file. */
const postgresProblem: string | undefined = await withAdminClient((admin) => admin.query("SELECT 1")).then(
  () => undefined,
  (error: Error) => `PostgreSQL unreachable at ${postgresAdminUrl}: ${error.message}`,
);

export interface DatabaseTarget {
  provider: DatabaseProvider;
  /** Set when this provider cannot be tested here. */
  unavailable?: string;
  createDatabase(): Promise<FreshDatabase>;
}

/** The providers to test, each flagged when it cannot be reached. */
export function databaseTargets(): DatabaseTarget[] {
  return providers.map((provider) => ({
    provider,
    unavailable: provider === "postgresql" ? postgresProblem : undefined,
    createDatabase: () => createFreshDatabase(provider),
  }));
}

/** `describe(name [provider])` once per provider; see the rules for an unreachable PostgreSQL above. */
export function describeEachDatabase(
  name: string,
  fn: (target: DatabaseTarget) => void,
  options: { only?: DatabaseProvider[] } = {},
): void {
  for (const target of databaseTargets().filter((t) => !options.only || options.only.includes(t.provider))) {
    const title = `${name} [${target.provider}]`;
    if (!target.unavailable) {
      describe(title, () => fn(target));
    } else if (process.env.CI) {
      describe(title, () => {
        it(`needs ${target.provider} (CI must not skip it)`, () => {
          throw new Error(target.unavailable);
        });
      });
    } else {
      // Also on stderr: the default reporter only counts skipped tests.
      console.warn(`[databases] skipping "${title}": ${target.unavailable} (with CI set this fails)`);
      describe.skip(`${title}: SKIPPED, ${target.unavailable}`, () => fn(target));
    }
  }
}
