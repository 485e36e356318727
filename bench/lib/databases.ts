// A fresh database per scenario: a SQLite file in the run's directory, or a PostgreSQL
// database of the bench's own (sgbench_*, dropped afterwards) on BENCH_POSTGRES_URL.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import pg from "pg";
import { excluded } from "./statement-counter";

export type Provider = "sqlite" | "postgresql";
export const PROVIDERS: Provider[] = (process.env.BENCH_PROVIDERS?.split(",") as Provider[]) ?? ["sqlite", "postgresql"];
const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

export interface BenchDatabase {
  provider: Provider;
  url: string;
  /** Runs SQL statements (no parameters) in order; returns the last one's rows. */
  sql(statements: string | string[]): Promise<Record<string, unknown>[]>;
  drop(): Promise<void>;
}

export async function createDatabase(provider: Provider, dir: string, label: string): Promise<BenchDatabase> {
  if (provider === "sqlite") {
    const url = `file:${join(dir, `${label}.db`)}`;
    return { provider, url, sql: (statements) => sqliteSql(url, statements), drop: async () => {} };
  }
  const name = `sgbench_${label.replace(/\W/g, "_")}_${randomBytes(4).toString("hex")}`;
  await withPg(ADMIN_URL, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    provider,
    url: url.toString(),
    sql: (statements) => withPg(url.toString(), async (client) => {
      let rows: Record<string, unknown>[] = [];
      for (const statement of [statements].flat()) rows = (await client.query(statement)).rows;
      return rows;
    }),
    drop: () =>
      withPg(ADMIN_URL, async (client) => {
        await client.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", [name]);
        await client.query(`DROP DATABASE IF EXISTS ${name}`);
      }),
  };
}

async function sqliteSql(url: string, statements: string | string[]): Promise<Record<string, unknown>[]> {
  const client = createClient({ url });
  excluded.add(client);
  try {
    // The gateway may be writing: wait for its lock like it waits for ours.
    await client.execute("PRAGMA busy_timeout = 30000");
    let rows: Record<string, unknown>[] = [];
    for (const statement of [statements].flat()) {
      const result = await client.execute(statement);
      rows = result.rows.map((row) => Object.fromEntries(result.columns.map((column) => [column, row[column]])));
    }
    return rows;
  } finally {
    client.close();
  }
}

async function withPg<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  excluded.add(client);
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** A DateTime column as ms: pg gives Date, Prisma's SQLite rows hold ms or ISO text. */
export function timeMs(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.getTime();
  if (typeof value === "number" || typeof value === "bigint") return Number(value);
  const text = String(value);
  return /^\d+$/.test(text) ? Number(text) : Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(" ", "T")}Z`);
}
