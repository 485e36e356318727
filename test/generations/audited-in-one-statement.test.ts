// PostgreSQL: an audited transition whose transaction would write nothing but the row, its
// events and its audit entries (the submit's record, a final status with its hold closed) is one
// statement (journal.ts auditedAhead), guarded on every column the entry shows. These check that the guard holds the entry to what the row really says: a caller whose
// knowledge of the row is stale gets the transaction, and an entry made from the database's row.
import { afterAll, beforeAll, expect, it } from "vitest";
import { countStatements, installCounter } from "../../bench/lib/statement-counter";
import { verifyAuditTrail } from "../../src/audit/log";
import { auditSealsIdle, sealAudit } from "../../src/audit/seal";
import { updateIfIn } from "../../src/generations/one-statement-move";
import type { GenerationRow } from "../../src/generations/types";
import { describeEachDatabase } from "../support/databases";
import { type Harness, VALID_INPUT, localId, startHarness } from "../support/harness";

describeEachDatabase(
  "an audited transition in one statement",
  (target) => {
    let harness: Harness;
    beforeAll(async () => {
      installCounter();
      harness = await startHarness(target, { start: false });
    });
    afterAll(() => harness?.close());

    /** A generation of no team (no hold to close) in STORING, as a poll step leaves it. */
    const storing = async (seed: number): Promise<GenerationRow> => {
      const id = localId((await harness.generate({ ...VALID_INPUT, seed })).generation.id);
      const row = await harness.db.$transaction((tx) =>
        updateIfIn(tx, id, "QUEUED", { status: "STORING", costUsd: 0.091, upstreamRequestId: `req-${seed}`, upstreamSeed: seed + 1, updatedAt: new Date() }),
      );
      if (!row) throw new Error("the row was not QUEUED");
      return row;
    };
    const stored = { mediaKey: "videos/x.mp4", videoSha256: "ab".repeat(32), videoBytes: 1234, videoContentType: "video/mp4", completedAt: new Date() };
    const settledEntry = async (id: string) => {
      await sealAudit(harness.db);
      const entry = await harness.db.auditEntry.findFirstOrThrow({ where: { subjectId: id, action: "GENERATION_SETTLED" } });
      return JSON.parse(entry.details) as Record<string, unknown>;
    };
    const succeed = (row: GenerationRow, current: GenerationRow) =>
      countStatements(
        async () => {
          const moved = await harness.gateway.services.journal.transition(row.id, "STORING", "SUCCEEDED", stored, {}, { current });
          expect(moved).toMatchObject({ id: row.id, status: "SUCCEEDED", videoBytes: 1234 });
          await auditSealsIdle(harness.db);
        },
        { keepSql: true },
      );

    it("is one statement (and the seal after it) when the row is as the caller knows it, with the entry the transaction would write", async () => {
      const row = await storing(11);
      const count = await succeed(row, row);
      expect(count.transactions, count.sql?.join("\n")).toBe(0);
      expect(count.sql?.filter((sql) => sql.includes('"moved"'))).toHaveLength(1);
      const settled = await settledEntry(row.id);
      expect(settled).toMatchObject({
        generationId: row.id,
        outcome: "SUCCEEDED",
        fromStatus: "STORING",
        costUsd: 0.091,
        upstreamRequestId: "req-11",
        upstreamSeed: 12,
        videoSha256: stored.videoSha256,
        videoBytes: 1234,
        heldUsd: null,
        chargedUsd: null,
      });
      const events = await harness.db.generationEvent.findMany({ where: { generationId: row.id, toStatus: "SUCCEEDED" } });
      expect(events).toHaveLength(1);
      expect(await verifyAuditTrail(harness.db)).toMatchObject({ firstProblem: null, headMatches: true });
    });

    it("falls back to the transaction when a column the entry shows changed behind the caller, and the entry shows the database's", async () => {
      const row = await storing(21);
      // Another writer changed the reported cost since this caller read the row.
      await harness.db.generation.update({ where: { id: row.id }, data: { costUsd: 0.5 } });
      const count = await succeed(row, row);
      expect(count.transactions, count.sql?.join("\n")).toBe(1);
      const settled = await settledEntry(row.id);
      expect(settled).toMatchObject({ costUsd: 0.5, outcome: "SUCCEEDED", videoBytes: 1234 });
      expect(await harness.db.generationEvent.count({ where: { generationId: row.id, toStatus: "SUCCEEDED" } })).toBe(1);
      expect(await harness.db.auditEntry.count({ where: { subjectId: row.id, action: "GENERATION_SETTLED" } })).toBe(1);
      expect(await verifyAuditTrail(harness.db)).toMatchObject({ firstProblem: null, headMatches: true });
    });

    it("records the submit (SUBMITTING -> SUBMITTED) in one statement, and from the database's row when the caller's is stale", async () => {
      const submitting = async (seed: number) => {
        const id = localId((await harness.generate({ ...VALID_INPUT, seed })).generation.id);
        const row = await harness.db.$transaction((tx) => updateIfIn(tx, id, "QUEUED", { status: "SUBMITTING", attempts: 1, updatedAt: new Date() }));
        if (!row) throw new Error("the row was not QUEUED");
        return row;
      };
      const submit = (row: GenerationRow, current: GenerationRow) =>
        countStatements(
          async () => {
            const moved = await harness.gateway.services.journal.transition(
              row.id,
              "SUBMITTING",
              "SUBMITTED",
              { upstreamRequestId: `req-${row.seed}`, submittedAt: new Date() },
              { attempt: 1 },
              { current },
            );
            expect(moved).toMatchObject({ id: row.id, status: "SUBMITTED", upstreamRequestId: `req-${row.seed}` });
            await auditSealsIdle(harness.db);
          },
          { keepSql: true },
        );
      const submittedEntry = async (id: string) => {
        await sealAudit(harness.db);
        return JSON.parse((await harness.db.auditEntry.findFirstOrThrow({ where: { subjectId: id, action: "GENERATION_SUBMITTED" } })).details);
      };

      const known = await submitting(41);
      const one = await submit(known, known);
      expect(one.transactions, one.sql?.join("\n")).toBe(0);
      expect(await submittedEntry(known.id)).toMatchObject({ generationId: known.id, upstreamRequestId: "req-41", attempt: 1, seed: 41, upstreamMode: known.upstreamMode });

      const stale = await submitting(51);
      await harness.db.generation.update({ where: { id: stale.id }, data: { estimatedCostUsd: 0.75 } });
      const fallback = await submit(stale, stale);
      expect(fallback.transactions, fallback.sql?.join("\n")).toBe(1);
      expect(await submittedEntry(stale.id)).toMatchObject({ estimatedCostUsd: 0.75, upstreamRequestId: "req-51" });
      expect(await harness.db.auditEntry.count({ where: { subjectId: stale.id, action: "GENERATION_SUBMITTED" } })).toBe(1);
      expect(await verifyAuditTrail(harness.db)).toMatchObject({ firstProblem: null, headMatches: true });
    });

    it("moves nothing when the row already left the status", async () => {
      const row = await storing(31);
      await harness.db.generation.update({ where: { id: row.id }, data: { status: "CANCELED" } });
      const moved = await harness.gateway.services.journal.transition(row.id, "STORING", "SUCCEEDED", stored, {}, { current: row });
      expect(moved).toBeNull();
      expect(await harness.db.generationEvent.count({ where: { generationId: row.id, toStatus: "SUCCEEDED" } })).toBe(0);
      await sealAudit(harness.db);
      expect(await harness.db.auditEntry.count({ where: { subjectId: row.id, action: "GENERATION_SETTLED" } })).toBe(0);
    });
  },
  { only: ["postgresql"] },
);
