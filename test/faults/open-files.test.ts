// Issue 8: "Database connections bounded by a pool size you choose and document, whatever the
// load; 1,000 generations in flight under `ulimit -n 1024` work." Before, on SQLite, each
// transaction left a connection (a file descriptor) open until garbage collection: 1,876
// descriptors on the database file, and under `ulimit -n 1024` 771 of 926 requests answered
// INTERNAL_SERVER_ERROR. Here the gateway runs as a process with that limit, takes 1,000
// generations from 50 clients at once and submits them all to a Segmind stand-in whose jobs
// outlast the test: every answer is a generation, all 1,000 are in flight together, and the
// process stays far from its limit; on PostgreSQL it holds at most DATABASE_POOL_SIZE + 1
// connections (the pool and the event feed's own).
import { readFileSync, readdirSync } from "node:fs";
import pg from "pg";
import { afterEach, expect, it } from "vitest";
import { type SegmindStandIn, startSegmindStandIn } from "../../src/sandbox/standin";
import { type FreshDatabase, describeEachDatabase, postgresAdminUrl, queryDatabase } from "../support/databases";
import { GENERATE_VIDEO, type GatewayDirs, type GatewayProcess, QUICK_START_INPUT, makeGatewayDirs, startGateway } from "../support/process";

const API_KEY = "SG_0pen0files0test";
const GENERATIONS = 1_000;
const CLIENTS = 50;
const POOL_SIZE = 5;

describeEachDatabase("1,000 generations in flight under ulimit -n 1024", (target) => {
  let standIn: SegmindStandIn | undefined;
  let dirs: GatewayDirs | undefined;
  let database: FreshDatabase | undefined;
  let gateway: GatewayProcess | undefined;
  afterEach(async () => {
    await gateway?.stop();
    await standIn?.close();
    await database?.drop();
    dirs?.remove();
  });

  it("every request answers a generation, all are in flight at once, descriptors and connections stay bounded", { timeout: 180_000 }, async () => {
    standIn = await startSegmindStandIn({ apiKey: API_KEY, jobDurationMs: 600_000, balanceUsd: 1_000_000 });
    dirs = makeGatewayDirs();
    database = target.provider === "sqlite" ? { provider: "sqlite", url: dirs.databaseUrl, drop: async () => {} } : await target.createDatabase();
    gateway = await startGateway(
      {
        DATABASE_URL: database.url,
        DATABASE_POOL_SIZE: String(POOL_SIZE),
        MEDIA_DIR: dirs.mediaDir,
        SEGMIND_API_KEY: API_KEY,
        SEGMIND_BASE_URL: standIn.url,
        ALLOW_ANONYMOUS: "true",
        SEGMIND_MAX_RPM: "0",
        SEGMIND_POLL_INTERVAL_MS: "2000",
        LOG_LEVEL: "warn",
        // No fetch of the first frame: this machine has no egress to image hosts, and its DNS
        // resolver takes seconds on a burst of lookups (image-fetch-shared.ts).
        FIRST_FRAME_FINGERPRINT: "false",
      },
      { maxOpenFiles: 1024 },
    );
    expect(readFileLimit(gateway.pid)).toBe(1024);

    const answers: Record<string, number> = {};
    let next = 0;
    let peakConnections = 0;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        for (let seed = next++; seed < GENERATIONS; seed = next++) {
          const { data, errors } = await generate(gateway!.url, seed + 1);
          const kind = errors ? `error: ${errors[0]?.message}` : String(data?.generateVideo?.__typename);
          answers[kind] = (answers[kind] ?? 0) + 1;
          if (seed % 100 === 0) peakConnections = Math.max(peakConnections, await gatewayConnections(database!));
        }
      }),
    );
    expect(answers).toEqual({ GenerateVideoPayload: GENERATIONS });

    // All of them accepted by Segmind and not finished: in flight together.
    const inFlight = async () =>
      Number(
        (await queryDatabase(database!, `SELECT COUNT(*) AS n FROM "Generation" WHERE "status" IN ('SUBMITTED', 'RUNNING')`))[0]?.n,
      );
    // Counted after a pause, so the backend of this test's previous look has gone.
    for (const deadline = Date.now() + 120_000; Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      peakConnections = Math.max(peakConnections, await gatewayConnections(database));
      if ((await inFlight()) >= GENERATIONS) break;
    }
    expect(await inFlight()).toBe(GENERATIONS);
    expect(standIn.stats.submitsAccepted).toBe(GENERATIONS);

    const descriptors = readdirSync(`/proc/${gateway.pid}/fd`).length;
    console.info(`[${target.provider}] ${GENERATIONS} in flight: ${descriptors} open descriptors, peak ${peakConnections} PostgreSQL connections`);
    expect(descriptors).toBeLessThan(512);
    if (target.provider === "postgresql") {
      expect(peakConnections).toBeGreaterThan(0);
      expect(peakConnections).toBeLessThanOrEqual(POOL_SIZE + 1);
    }
    expect(gateway.stderr()).not.toMatch(/EMFILE|too many open files|INTERNAL_SERVER_ERROR/i);
    // FIRST_FRAME_FINGERPRINT=false: no fetch was tried (each would have left a NOTE saying why it failed).
    const notes = await queryDatabase(database, `SELECT COUNT(*) AS n FROM "GenerationEvent" WHERE "errorCode" = 'IMAGE_NOT_FINGERPRINTED'`);
    expect(Number(notes[0]?.n)).toBe(0);
  });
});

/** The "Max open files" soft limit of a process. */
function readFileLimit(pid: number): number {
  const line = readFileSync(`/proc/${pid}/limits`, "utf8").split("\n").find((row) => row.startsWith("Max open files"));
  return Number(line?.split(/\s{2,}/)[1]);
}

/** Connections to this PostgreSQL database other than the ones this test opens to count them (0 for SQLite). */
async function gatewayConnections(database: FreshDatabase): Promise<number> {
  if (database.provider !== "postgresql") return 0;
  const client = new pg.Client({ connectionString: postgresAdminUrl });
  await client.connect();
  try {
    const name = new URL(database.url).pathname.slice(1);
    const { rows } = await client.query("SELECT COUNT(*)::int AS n FROM pg_stat_activity WHERE datname = $1", [name]);
    return Number(rows[0]?.n);
  } finally {
    await client.end();
  }
}

/**
 * generateVideo as a client with a generous timeout: on a loaded CI machine (this file beside
 * others, 50 clients, the worker submitting) an answer may take seconds; slow is not broken.
 */
async function generate(url: string, seed: number): Promise<{ data?: any; errors?: Array<{ message: string }> }> {
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json" },
    body: JSON.stringify({ query: GENERATE_VIDEO, variables: { input: { ...QUICK_START_INPUT, seed } } }),
    signal: AbortSignal.timeout(60_000),
  });
  return (await response.json()) as { data?: any; errors?: Array<{ message: string }> };
}
