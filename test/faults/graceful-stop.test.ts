import { connect } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { type SegmindStandIn, startSegmindStandIn } from "../../src/sandbox/standin";
import { queryDatabase } from "../support/databases";
import {
  GENERATE_VIDEO,
  type GatewayDirs,
  QUICK_START_INPUT,
  makeGatewayDirs,
  postGraphQL,
  startGateway,
  stopAllGateways,
} from "../support/process";

/**
 * SIGTERM: no new connections and no new upstream work at once; responses in flight finish
 * (within SHUTDOWN_GRACE_MS); running generations are left as they are and finish after a
 * restart; the process exits 0.
 */
const API_KEY = "SG_0badc0ffee0ddf00";

let standIn: SegmindStandIn | undefined;
let dirs: GatewayDirs | undefined;
afterAll(async () => {
  await stopAllGateways();
  await standIn?.close();
  dirs?.remove();
});

function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ECONNREFUSED"));
  });
}

describe("SIGTERM", () => {
  it("refuses new connections and work, lets the response in flight finish, exits 0, and a restart finishes what was running", async () => {
    // Jobs finish upstream while HTTP drains: a worker still running then would store them
    // and submit the queued one.
    standIn = await startSegmindStandIn({ apiKey: API_KEY, jobDurationMs: 2_500 });
    dirs = makeGatewayDirs();
    const database = { provider: "sqlite" as const, url: dirs.databaseUrl };
    const env = {
      DATABASE_URL: dirs.databaseUrl,
      MEDIA_DIR: dirs.mediaDir,
      SEGMIND_API_KEY: API_KEY,
      // Configured as if against Segmind, which refuses anonymous calls unless allowed.
      ALLOW_ANONYMOUS: "true",
      SEGMIND_BASE_URL: standIn.url,
      SEGMIND_TIMEOUT_MS: "2500",
      SEGMIND_POLL_INTERVAL_MS: "100",
      SEGMIND_MAX_RPM: "0",
      CREDITS_CACHE_TTL_MS: "0",
      // credits waits for Segmind's whole answer: the slow request in flight below.
      CREDITS_READ_BUDGET_MS: "0",
      SEGMIND_MAX_IN_FLIGHT: "2",
      SHUTDOWN_GRACE_MS: "8000",
    };
    const statuses = async () =>
      Object.fromEntries(
        (await queryDatabase(database, 'SELECT seed, status FROM "Generation"')).map((row) => [Number(row.seed), String(row.status)]),
      );

    const gateway = await startGateway(env);
    for (const seed of [1, 2, 3]) {
      const { errors } = await postGraphQL(gateway.url, GENERATE_VIDEO, { input: { ...QUICK_START_INPUT, seed } });
      expect(errors).toBeUndefined();
    }
    // Two run upstream (SEGMIND_MAX_IN_FLIGHT 2); the third waits its turn.
    for (const deadline = Date.now() + 5_000; ; ) {
      const now = await statuses();
      if (["SUBMITTED", "RUNNING"].includes(now[1]!) && ["SUBMITTED", "RUNNING"].includes(now[2]!) && now[3] === "QUEUED") break;
      if (Date.now() > deadline) throw new Error(`not running: ${JSON.stringify(now)}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }

    // A slow request in flight: Segmind's credits endpoint does not answer until the 2.5 s timeout.
    standIn.inject({ route: "credits", kind: "hang" });
    const reads = standIn.stats.creditReads;
    const sentAt = Date.now();
    const inFlight = postGraphQL(gateway.url, "{ credits { freshness upstreamError { code } } }");
    while (standIn.stats.creditReads === reads) await new Promise((resolve) => setTimeout(resolve, 10));

    const submitsBefore = standIn.stats.submitAttempts;
    const stoppingAt = Date.now();
    gateway.signal("SIGTERM");
    // New connections are refused at once, while the old request is still being answered.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await connectionRefused(gateway.port)).toBe(true);

    const answer = await inFlight;
    const inFlightRequestMs = Date.now() - sentAt;
    expect(answer.errors).toBeUndefined();
    expect(answer.data.credits).toEqual({ freshness: "UNAVAILABLE", upstreamError: { code: "TIMEOUT" } });
    expect(inFlightRequestMs).toBeGreaterThanOrEqual(2_400);

    const exit = await gateway.exited;
    const stopMs = Date.now() - stoppingAt;
    expect(exit, gateway.stderr()).toEqual({ code: 0, signal: null });
    expect(stopMs).toBeLessThan(8_000);
    expect(gateway.stderr()).toContain("stopped; unfinished generations resume on next start");
    // No new upstream work after SIGTERM; the running ones were left resumable, not failed.
    expect(standIn.stats.submitAttempts).toBe(submitsBefore);
    const left = await statuses();
    expect(["SUBMITTED", "RUNNING"]).toContain(left[1]);
    expect(["SUBMITTED", "RUNNING"]).toContain(left[2]);
    expect(left[3]).toBe("QUEUED");

    const restarted = await startGateway(env);
    for (const deadline = Date.now() + 20_000; ; ) {
      const now = await statuses();
      if (Object.values(now).every((status) => status === "SUCCEEDED")) break;
      if (Date.now() > deadline) throw new Error(`not finished after restart: ${JSON.stringify(now)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(standIn.stats.submitsAccepted).toBe(3);
    expect((await restarted.stop()).code).toBe(0);
    console.log(`graceful-stop figures: ${JSON.stringify({ inFlightRequestMs, stopMs })}`);
  }, 60_000);
});
