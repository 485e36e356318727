// Prisma CLI configuration. The CLI is only used to generate clients and to
// author migrations (scripts/new-migration.ts); the application applies the
// committed SQL itself (src/db/migrate.ts) and never needs the CLI.
//
// engine "js" + a driver adapter run the WASM schema engine shipped in the npm
// package; anything else makes Prisma 6.19 download a native engine, which
// cannot work offline (see docs/prisma-offline.md).
import { PrismaLibSQL } from "@prisma/adapter-libsql";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { defineConfig } from "prisma/config";

// Only for CLI commands that touch a database (migrate status/dev/deploy).
const databaseUrl = process.env.DATABASE_URL?.startsWith("file:") ? process.env.DATABASE_URL : "file:./data/dev.db";

/**
 * The CLI validates `url = env("DATABASE_URL")` against the schema's provider
 * and, when the variable is missing or of the other provider, fails with a
 * misleading engine-download error instead of a validation message. That URL
 * is never used to connect (the adapter below is), so give each schema a
 * placeholder of its own kind when needed: `generate` works without any env.
 */
function schemaProviderFromArgv(argv: string[]): "sqlite" | "postgresql" {
  const index = argv.findIndex((arg) => arg === "--schema" || arg.startsWith("--schema="));
  const schemaPath = index < 0 ? "" : argv[index]!.includes("=") ? argv[index]!.split("=")[1]! : (argv[index + 1] ?? "");
  return /(^|[\\/])postgresql[\\/]/.test(schemaPath) ? "postgresql" : "sqlite";
}
const placeholderUrls = { sqlite: "file:./data/dev.db", postgresql: "postgresql://placeholder@localhost/placeholder" };
const schemaProvider = schemaProviderFromArgv(process.argv);
const urlMatchesProvider = schemaProvider === "sqlite"
  ? process.env.DATABASE_URL?.startsWith("file:")
  : /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? "");
if (!urlMatchesProvider) process.env.DATABASE_URL = placeholderUrls[schemaProvider];

/**
 * The WASM engine replays each migration file into the shadow database as ONE
 * executeRaw call without arguments, and libsql then runs only its first
 * statement (false "Drift detected" / P3006). Send such calls to executeScript,
 * which runs every statement.
 */
function withScriptAwareShadowDb(factory: PrismaLibSQL): PrismaLibSQL {
  const connectToShadowDb = factory.connectToShadowDb.bind(factory);
  factory.connectToShadowDb = async () => {
    const shadow = await connectToShadowDb();
    const executeRaw = shadow.executeRaw.bind(shadow);
    shadow.executeRaw = async (query) => {
      if (query.args.length > 0) return executeRaw(query);
      await shadow.executeScript(query.sql);
      return 0;
    };
    return shadow;
  };
  return factory;
}

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "prisma/sqlite/schema.prisma",
  migrations: { path: "prisma/sqlite/migrations" },
  async adapter() {
    // The CLI opens this database even for `migrate diff`; libsql cannot create
    // a missing directory (it fails with an opaque "External error id#0").
    mkdirSync(dirname(databaseUrl.slice("file:".length).split("?")[0]!), { recursive: true });
    return withScriptAwareShadowDb(new PrismaLibSQL({ url: databaseUrl }));
  },
});
