// Opens the application's database: migrates it, then connects Prisma
// through the driver adapter of DATABASE_URL's provider.
import { resolve } from "node:path";
import type { PrismaClient } from "../generated/sqlite/client";
import { auditSealsIdle, sealAudit, withAuditSealing } from "../audit/seal";
import { applyMigrations } from "./migrate";
import { releaseOnFailedEnd } from "./pg-transactions";
import { databaseProvider, sqliteFilePath, type DatabaseProvider } from "./provider";
import { type ReadLabel, type RowReader, captureAdapter, createRowReader } from "./rows";

export { databaseProvider, type DatabaseProvider } from "./provider";

/**
 * The application's database client (the SQLite client's type; see openDatabase for
 * PostgreSQL), with `$rows`: the hot reads that skip Prisma's query compiler (src/db/rows.ts),
 * and `$feedRows`: the same for the event feed, on a connection of its own on PostgreSQL (one
 * more than DATABASE_POOL_SIZE), so the one reader of new events never queues for the pool
 * behind the worker's transactions. On SQLite it is `$rows` (one connection anyway).
 */
export type Db = PrismaClient & { readonly $rows: RowReader; readonly $feedRows: RowReader };

/** The client an interactive transaction hands its callback. */
export type Tx = Parameters<Parameters<Db["$transaction"]>[0]>[0];

/** One Prisma operation, e.g. { model: "Generation", operation: "findMany", durationMs: 1.2 }. */
export interface QueryEvent {
  model?: string;
  operation: string;
  durationMs: number;
}

export interface OpenDatabaseOptions {
  /** Called after every Prisma operation (tests count database round trips per request with it). */
  onQuery?: (query: QueryEvent) => void;
  /** Every Prisma operation a span (tracing on: src/observability/db-spans.ts, loaded only then). */
  traceQueries?: boolean;
  /** PostgreSQL: connections this process opens at most (DATABASE_POOL_SIZE). */
  poolSize?: number;
  /**
   * PostgreSQL: a seal of the audit trail that failed after an audited commit (src/audit/seal.ts;
   * the entries stay pending for the next seal). Default: a process warning.
   */
  onAuditSealError?: (error: unknown) => void;
}

export interface OpenDatabase {
  db: Db;
  provider: DatabaseProvider;
  close(): Promise<void>;
}

export async function openDatabase(url: string, options: OpenDatabaseOptions = {}): Promise<OpenDatabase> {
  const provider = databaseProvider(url);
  const absoluteUrl = provider === "sqlite" ? absoluteSqliteUrl(url) : url;
  await applyMigrations(absoluteUrl);
  const { client, adapter } = await createClient(provider, absoluteUrl, options.poolSize ?? 10);
  const spans = options.traceQueries ? await import("../observability/db-spans") : undefined;
  const around = spans ? <T>(label: ReadLabel, run: () => Promise<T>) => spans.inQuerySpan(provider, label.model, label.operation, run) : undefined;
  const rows = createRowReader({ provider, adapter, onQuery: options.onQuery, around });
  const feed = provider === "postgresql" ? await dedicatedConnection(absoluteUrl) : null;
  const feedRows = feed ? createRowReader({ provider, adapter: feed.adapter, onQuery: options.onQuery, around }) : rows;
  let db = client.$extends({ client: { $rows: rows, $feedRows: feedRows } }) as unknown as Db;
  if (options.onQuery) db = withQueryEvents(db, options.onQuery);
  if (spans) db = spans.withQuerySpans(db, provider);
  if (provider === "postgresql") {
    db = withAuditSealing(db, options.onAuditSealError ?? ((error) => process.emitWarning(`audit seal failed: ${(error as Error).message}`)));
    // Entries a stopped process committed but did not chain (it died between the two).
    await sealAudit(db);
  }
  return {
    db,
    provider,
    close: async () => {
      // A seal begun after an audited commit finishes first (else the next start would do it).
      await auditSealsIdle(db);
      await feed?.close();
      await client.$disconnect();
    },
  };
}

/**
 * `file:./data/x.db` is relative to the cwd: pin it once so the migrator and
 * every later connection use the same file even if the cwd changes.
 */
function absoluteSqliteUrl(url: string): string {
  const query = url.includes("?") ? url.slice(url.indexOf("?")) : "";
  return `file:${resolve(sqliteFilePath(url))}${query}`;
}

// A transaction left idle is ended by the server (see createClient).
const POSTGRES_SESSION_OPTIONS = "-c idle_in_transaction_session_timeout=10000";

/** Loads only the chosen provider's generated client and driver. */
async function createClient(provider: DatabaseProvider, url: string, poolSize: number) {
  if (provider === "sqlite") {
    const [{ PrismaClient }, { PrismaLibSQLWithBusyTimeout }] = await Promise.all([
      import("../generated/sqlite/client"),
      import("./sqlite-adapter"),
    ]);
    const captured = captureAdapter(new PrismaLibSQLWithBusyTimeout({ url }), (): Promise<void> => client.$connect());
    const client: PrismaClient = new PrismaClient({ adapter: captured.factory });
    return { client, adapter: captured.adapter };
  }
  const [{ PrismaClient }, { PrismaPg }] = await Promise.all([
    import("../generated/postgresql/client"),
    import("@prisma/adapter-pg"),
  ]);
  // Each generated client has its own (nominally distinct) types, but both are
  // generated from the same models, so the model API the app uses is the same.
  // Typing the app against the SQLite client keeps it to what both providers
  // support (e.g. no PostgreSQL-only `mode: "insensitive"` filters).
  // A bounded pool; a transaction left idle is ended by the server, so none outlives the event
  // feed's hole timeout (src/generations/event-feed.ts) and no lock is held by a stuck client.
  const captured = captureAdapter(
    releaseOnFailedEnd(new PrismaPg({ connectionString: url, max: poolSize, options: POSTGRES_SESSION_OPTIONS })),
    (): Promise<void> => client.$connect(),
  );
  const client: PrismaClient = new PrismaClient({ adapter: captured.factory }) as unknown as PrismaClient;
  return { client, adapter: captured.adapter };
}

/** PostgreSQL: a driver adapter on a pool of one connection, opened on first use. */
async function dedicatedConnection(url: string) {
  const { PrismaPg } = await import("@prisma/adapter-pg");
  const factory = new PrismaPg({ connectionString: url, max: 1, options: POSTGRES_SESSION_OPTIONS });
  let connected: ReturnType<typeof factory.connect> | undefined;
  return {
    adapter: () => (connected ??= factory.connect()),
    close: async () => {
      const adapter = await connected?.catch(() => undefined);
      await adapter?.dispose();
    },
  };
}

function withQueryEvents(client: Db, onQuery: (query: QueryEvent) => void): Db {
  const extended = client.$extends({
    query: {
      async $allOperations({ model, operation, args, query }) {
        const startedAt = performance.now();
        try {
          return await query(args);
        } finally {
          onQuery({ model, operation, durationMs: performance.now() - startedAt });
        }
      },
    },
  });
  // A query-only extension leaves the client's API unchanged; only its type
  // (DynamicClientExtensionThis) differs from PrismaClient.
  return extended as unknown as Db;
}
