// SEGMIND_MAX_IN_FLIGHT with a backlog: queued generations wait at one gate per process
// (src/worker/in-flight-gate.ts) instead of each counting the generations in flight every poll
// interval, which made a backlog of thousands cost thousands of COUNTs a second.
import { afterEach, expect, it } from "vitest";
import { TERMINAL_STATUSES } from "../../src/generations/status";
import { describeEachDatabase } from "../support/databases";
import { type Harness, VALID_INPUT, localId, startHarness } from "../support/harness";

const CAP = 2;
const BACKLOG = 24;
const POLL_MS = 20;

describeEachDatabase("SEGMIND_MAX_IN_FLIGHT's waiting line", (target) => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it("a backlog costs one in-flight count per poll interval, not one per waiting generation; all finish, in turn", async () => {
    harness = await startHarness(target, {
      standInOptions: { jobDurationMs: 300 },
      worker: { maxInFlight: CAP, concurrency: 16, pollIntervalMs: POLL_MS },
    });
    const ids: string[] = [];
    for (let seed = 1; seed <= BACKLOG; seed++) ids.push(localId((await harness.generate({ ...VALID_INPUT, seed })).generation.id));

    // A second of waiting, with about BACKLOG - CAP generations queued behind the cap.
    const countsBefore = harness.queries.filter((query) => query.operation === "count").length;
    await new Promise((done) => setTimeout(done, 1_000));
    const counts = harness.queries.filter((query) => query.operation === "count").length - countsBefore;
    // The gate: one look per 20 ms (~50), plus one per woken generation and one per claim. Each
    // of ~20 generations looking every poll interval on its own: over 500.
    console.info(`[${target.provider}] in-flight counts in 1 s: ${counts}`);
    expect(counts).toBeLessThan(150);

    const rows = [];
    for (const id of ids) rows.push(await harness.waitForStatus(id, [...TERMINAL_STATUSES], 30_000));
    expect(rows.map((row) => row.status)).toEqual(ids.map(() => "SUCCEEDED"));
    expect(harness.standIn.stats.submitAttempts).toBe(BACKLOG);

    // Never more than CAP in flight: at each submit, fewer than CAP others were submitted and unfinished.
    for (const row of rows) {
      const overlapping = rows.filter(
        (other) => other !== row && other.submittedAt! <= row.submittedAt! && other.completedAt! > row.submittedAt!,
      );
      expect(overlapping.length).toBeLessThan(CAP);
    }
    // In turn: the first half of the line went upstream before the last generation did.
    const order = [...rows].sort((a, b) => a.submittedAt!.getTime() - b.submittedAt!.getTime()).map((row) => row.id);
    expect(order.indexOf(ids[BACKLOG - 1]!)).toBeGreaterThanOrEqual(BACKLOG / 2);
  });

  it("a generation canceled while it waits in line is never submitted; the rest go in turn", async () => {
    harness = await startHarness(target, {
      standInOptions: { jobDurationMs: 200 },
      worker: { maxInFlight: 1, concurrency: 8, pollIntervalMs: POLL_MS },
    });
    const ids: string[] = [];
    for (let seed = 1; seed <= 4; seed++) ids.push(localId((await harness.generate({ ...VALID_INPUT, seed })).generation.id));
    const canceled = await harness.gql(`mutation($id: ID!) { cancelGeneration(id: $id) { __typename } }`, { id: ids[2] });
    expect(canceled.data?.cancelGeneration?.__typename).toBe("CancelGenerationPayload");
    const rows = [];
    for (const id of ids) rows.push(await harness.waitForStatus(id, [...TERMINAL_STATUSES], 15_000));
    expect(rows.map((row) => row.status)).toEqual(["SUCCEEDED", "SUCCEEDED", "CANCELED", "SUCCEEDED"]);
    expect(rows[2]?.upstreamRequestId).toBeNull();
    expect(harness.standIn.stats.submitAttempts).toBe(3);
  });
});
