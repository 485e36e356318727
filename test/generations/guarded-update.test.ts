// A transition's guarded UPDATE is raw SQL (one-statement-move.ts updateIfIn), not Prisma's
// updateManyAndReturn: the row it returns is kept for the next step (row-snapshots.ts), so it
// must be exactly the row Prisma reads, every column's type included. So must the raw reads a
// worker step and a new subscription start from (history-reads.ts, feed-reads.ts).
import { afterAll, beforeAll, expect, it } from "vitest";
import { latestEventSequence } from "../../src/generations/feed-reads";
import { selectGenerationById } from "../../src/generations/history-reads";
import { updateIfIn } from "../../src/generations/one-statement-move";
import { describeEachDatabase } from "../support/databases";
import { type Harness, VALID_INPUT, localId, startHarness } from "../support/harness";

describeEachDatabase("a transition's guarded UPDATE", (target) => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness(target, { start: false });
  });
  afterAll(() => harness?.close());

  it("returns the row as Prisma reads it (dates, booleans, floats, nulls), and null once the row left the status", async () => {
    const input = { ...VALID_INPUT, seed: 5, cameraFixed: true, deadline: new Date(Date.now() + 3_600_000).toISOString() };
    const id = localId((await harness.generate(input)).generation.id);
    const patch = {
      status: "SUBMITTED",
      attempts: 1,
      costUsd: 0.125,
      upstreamRequestId: "req-1",
      submittedAt: new Date("2026-11-29T10:00:00.123Z"),
      nextAttemptAt: null,
      updatedAt: new Date(),
    };
    const row = await harness.db.$transaction((tx) => updateIfIn(tx, id, "QUEUED", patch));
    expect(row).toStrictEqual(await harness.db.generation.findUniqueOrThrow({ where: { id } }));
    expect(row).toMatchObject({ ...patch, cameraFixed: true });
    // The guard: no longer QUEUED, so nothing is written.
    expect(await harness.db.$transaction((tx) => updateIfIn(tx, id, "QUEUED", { status: "CANCELED" }))).toBeNull();
    expect((await harness.db.generation.findUniqueOrThrow({ where: { id } })).status).toBe("SUBMITTED");
  });

  it("reads a generation by id as Prisma's findUnique does (every column, whoever owns it; null for none), and the newest event's sequence", async () => {
    const input = { ...VALID_INPUT, seed: 6, cameraFixed: true, deadline: new Date(Date.now() + 3_600_000).toISOString() };
    const id = localId((await harness.generate(input)).generation.id);
    await harness.db.$transaction((tx) =>
      updateIfIn(tx, id, "QUEUED", { status: "SUBMITTED", costUsd: 0.375, submittedAt: new Date("2026-11-29T10:00:00.456Z"), updatedAt: new Date() }),
    );
    const prisma = await harness.db.generation.findUniqueOrThrow({ where: { id } });
    expect(prisma.costUsd).toBe(0.375);
    expect(await selectGenerationById(harness.db, id)).toStrictEqual(prisma);
    expect(await selectGenerationById(harness.db, "01900000000000000000000000")).toBeNull();
    const newest = await harness.db.generationEvent.findFirstOrThrow({ orderBy: { id: "desc" } });
    expect(newest.generationId).toBe(id);
    expect(await latestEventSequence(harness.db)).toBe(newest.id);
  });
});
