import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeEachDatabase } from "./support/databases";
import { type Harness, VALID_INPUT, localId, startHarness } from "./support/harness";
import { subscribe } from "./support/sse";

const ONE = `subscription($id: ID!, $after: Int) {
  generationUpdated(id: $id, after: $after) {
    kind sequence progress estimatedCompletionAt
    event { sequence type toStatus httpStatus }
    generation { id status resultUrl }
  }
}`;

const ALL = `subscription($status: [GenerationStatus!], $after: Int) {
  generationsUpdated(status: $status, after: $after) { kind sequence event { toStatus } generation { id status } }
}`;

describeEachDatabase("subscriptions over SSE", (target) => {
  let harness: Harness;
  let baseUrl: string;

  beforeAll(async () => {
    harness = await startHarness(target, { standInOptions: { jobDurationMs: 600 } });
    baseUrl = await harness.listen();
  });
  afterAll(() => harness?.close());

  const sequencesInDatabase = async (id: string) =>
    (await harness.db.generationEvent.findMany({ where: { generationId: localId(id) }, orderBy: { id: "asc" } })).map(
      (event) => event.id,
    );

  it("streams every change of one generation, live, and ends at its final state", async () => {
    const created = await harness.generate(VALID_INPUT);
    const id = created.generation.id;
    const stream = await subscribe(baseUrl, ONE, { id });
    const updates = (await stream.collect()).map((payload) => payload.data.generationUpdated);

    const events = updates.filter((update) => update.kind === "EVENT");
    expect(events.map((update) => update.sequence)).toEqual(await sequencesInDatabase(id));
    expect(events[0].event.toStatus).toBe("QUEUED");
    const statuses = events.filter((u) => u.event.type === "STATUS_CHANGED").map((u) => u.event.toStatus);
    expect(statuses).toEqual(expect.arrayContaining(["SUBMITTING", "SUBMITTED", "STORING", "SUCCEEDED"]));
    const last = updates.at(-1);
    expect(last.event.toStatus).toBe("SUCCEEDED");
    expect(last.generation.status).toBe("SUCCEEDED");
    expect(last.generation.resultUrl).toMatch(/\/media\/generations\//);
    expect(last.progress).toBe(1);
    expect(last.estimatedCompletionAt).not.toBeNull();

    // Progress never goes backwards and reaches 1 only with success.
    const progress = updates.map((update) => update.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(updates.filter((update) => update.progress === 1).every((u) => u.generation.status === "SUCCEEDED")).toBe(true);
  });

  it("resumes after a disconnect with no gap and no duplicate", async () => {
    const created = await harness.generate({ ...VALID_INPUT, seed: 99 });
    const id = created.generation.id;
    const first = await subscribe(baseUrl, ONE, { id });
    const seen: number[] = [];
    for (let i = 0; i < 2; i += 1) {
      const update = (await first.next()).data.generationUpdated;
      if (update.kind === "EVENT") seen.push(update.sequence);
    }
    first.close();

    const second = await subscribe(baseUrl, ONE, { id, after: seen.at(-1) });
    for (const payload of await second.collect()) {
      const update = payload.data.generationUpdated;
      if (update.kind === "EVENT") seen.push(update.sequence);
    }
    expect(seen).toEqual(await sequencesInDatabase(id));
  });

  it("gives a late subscriber the whole history, then completes", async () => {
    const created = await harness.generate({ ...VALID_INPUT, seed: 98 });
    await harness.waitForStatus(localId(created.generation.id), ["SUCCEEDED"]);
    const stream = await subscribe(baseUrl, ONE, { id: created.generation.id });
    const updates = (await stream.collect()).map((payload) => payload.data.generationUpdated);
    expect(updates.map((update) => update.sequence)).toEqual(await sequencesInDatabase(created.generation.id));
    expect(updates.every((update) => update.kind === "EVENT")).toBe(true);
  });

  it("refuses an unknown generation with an error", async () => {
    const unknown = Buffer.from("Generation:01900000-0000-7000-8000-000000000000").toString("base64");
    const stream = await subscribe(baseUrl, ONE, { id: unknown });
    const payload = await stream.next();
    expect(payload.errors[0].message).toBe("Generation not found");
    expect(await stream.next()).toBeNull();
  });

  it("streams changes of all generations, filtered by status, and sends keep-alive pings", async () => {
    const stream = await subscribe(baseUrl, ALL, { status: ["SUCCEEDED"] });
    const a = await harness.generate({ ...VALID_INPUT, seed: 501 });
    const b = await harness.generate({ ...VALID_INPUT, seed: 502 });
    const succeeded = new Set<string>();
    while (succeeded.size < 2) {
      const update = (await stream.next()).data.generationsUpdated;
      expect(update.generation.status).toBe("SUCCEEDED");
      if (update.event.toStatus === "SUCCEEDED") succeeded.add(update.generation.id);
    }
    expect(succeeded).toEqual(new Set([a.generation.id, b.generation.id]));
    // yoga pings every 300 ms under NODE_ENV=test (12 s otherwise).
    await new Promise((resolve) => setTimeout(resolve, 700));
    const pending = stream.next(50).catch(() => undefined);
    await pending;
    expect(stream.pings()).toBeGreaterThan(0);
    stream.close();
  });

  it("replays the global stream from a sequence, in order", async () => {
    const stream = await subscribe(baseUrl, ALL, { after: 0 });
    const total = await harness.db.generationEvent.count();
    const sequences: number[] = [];
    while (sequences.length < total) sequences.push((await stream.next()).data.generationsUpdated.sequence);
    stream.close();
    const all = (await harness.db.generationEvent.findMany({ orderBy: { id: "asc" }, take: total })).map((e) => e.id);
    expect(sequences).toEqual(all);
  });
});

describe("progress", () => {
  it("is synthesized from recent latencies of the same shape", async () => {
    const { progressAt, DEFAULT_ESTIMATE_MS } = await import("../src/generations/progress");
    const submittedAt = new Date("2026-01-01T00:00:00Z");
    const row = (status: string, extra: Record<string, unknown> = {}) =>
      ({ status, submittedAt, completedAt: null, ...extra }) as any;
    const at = (seconds: number) => new Date(submittedAt.getTime() + seconds * 1000);

    expect(progressAt(row("QUEUED", { submittedAt: null }), at(0), DEFAULT_ESTIMATE_MS).progress).toBe(0);
    const half = progressAt(row("RUNNING"), at(20), 40_000);
    expect(half.progress).toBeCloseTo(0.05 + 0.85 * 0.5, 6);
    expect(half.estimatedCompletionAt).toEqual(at(40));
    // Past the estimate it keeps creeping up but stays below 1.
    const late = [60, 120, 600].map((s) => progressAt(row("RUNNING"), at(s), 40_000).progress);
    expect(late).toEqual([...late].sort((a, b) => a - b));
    expect(Math.max(...late)).toBeLessThan(1);
    expect(progressAt(row("STORING"), at(1), 40_000).progress).toBeGreaterThanOrEqual(0.95);
    expect(progressAt(row("SUCCEEDED", { completedAt: at(30) }), at(31), 40_000).progress).toBe(1);
    expect(progressAt(row("FAILED", { completedAt: at(30) }), at(90), 40_000).progress).toBeLessThan(1);
  });
});
