// SQL statements of one generation's whole life (the generateVideo request, then every worker
// step until SUCCEEDED), counted at the drivers as `npm run bench -- statements` counts them
// (bench/lib/statement-counter.ts): BEGIN, COMMIT and lock calls are statements too.
// Issue 8: 80 statements and 10 transactions before (bench/RESULTS.md); the bound below is what
// is left (src/generations/journal.ts says where each goes). How many status reads a job takes depends on timing, so each read that finds
// the job unfinished is counted apart: it must cost exactly one statement (its record).
import { afterAll, beforeAll, expect, it } from "vitest";
import { countStatements, installCounter } from "../../bench/lib/statement-counter";
import { auditSealsIdle } from "../../src/audit/seal";
import { makeTeam } from "../budget/support";
import { describeEachDatabase } from "../support/databases";
import { GENERATE_VIDEO, type Harness, VALID_INPUT, localId, startHarness } from "../support/harness";

/**
 * Everything but the status reads that found the job unfinished and SUBMITTED -> RUNNING (a
 * job may be seen COMPLETED at its first read): the accept (8 on SQLite, whose BEGIN IMMEDIATE
 * is the team's lock, 9 on PostgreSQL, which locks the team's row in a statement of its own; the
 * team and its keys are one read, src/budget/budget-rows.ts; one more here with the response's
 * events), the claim (the row as the accept stored it: no read; one statement on PostgreSQL),
 * the submit's record, the result with the budget's settlement (the hold as the accept placed
 * it: no ledger read), the stored video with its audit entry and webhooks. An audit entry is one statement
 * (src/audit/log.ts): on SQLite an INSERT over the head this process last left, which moves it
 * (migration 0013; the warm-up life leaves it; two when another process appended in the
 * meantime); on PostgreSQL a pending row, with the transition's events in its statement, and
 * one statement after the commit that chains it (src/audit/seal.ts): three audited writes in a
 * life (the accept, the submit's record, the stored video), three seals. A ledger entry is one
 * (migration 0011 moves the running totals); on PostgreSQL the result, whose settlement is known
 * ahead (the hold as the accept placed it and the reported cost), is one statement with no
 * transaction: the row's move, the settlement and the events (src/budget/ledger.ts
 * settlementWithMove); so are the submit's record and the stored video (no webhook endpoint
 * that may take it, its hold known closed): the row's move, its audit entry and its events
 * (journal.ts auditedAhead; 4 and 5 statements, each in a transaction, before).
 */
const LIFE = { sqlite: 29, postgresql: 17 } as const;
const TRANSACTIONS = { sqlite: 5, postgresql: 1 } as const;
/**
 * SUBMITTED -> RUNNING with the read that saw it: BEGIN, UPDATE, INSERT, COMMIT on SQLite; one
 * statement on PostgreSQL, as the claim (src/generations/one-statement-move.ts).
 */
const RUNNING = { sqlite: { statements: 4, transactions: 1 }, postgresql: { statements: 1, transactions: 0 } } as const;

describeEachDatabase("one generation's life in SQL statements", (target) => {
  let harness: Harness;

  beforeAll(async () => {
    installCounter();
    // Jobs long enough for a few status reads; polls every 20 ms (FAST_WORKER).
    harness = await startHarness(target, { standInOptions: { jobDurationMs: 300 } });
  });
  afterAll(() => harness?.close());

  const bound = LIFE[target.provider];
  const transactions = TRANSACTIONS[target.provider];
  const running = RUNNING[target.provider];
  it(`costs at most ${bound} statements and ${transactions} transactions, ${running.statements} and ${running.transactions} more for RUNNING, plus one per status read of an unfinished job`, async () => {
    const team = await makeTeam(harness.db, { dailyLimitUsd: 100, monthlyLimitUsd: 1000 });
    const life = async (seed: number) => {
      let id = "";
      const count = await countStatements(
        async () => {
          const answer = await harness.gqlAs(team.key, GENERATE_VIDEO, { input: { ...VALID_INPUT, seed } });
          expect(answer.data?.generateVideo?.__typename).toBe("GenerateVideoPayload");
          id = localId(answer.data.generateVideo.generation.id);
          // The job was scheduled before the answer: idle means its last step has returned.
          await harness.gateway.services.worker.idle();
          // PostgreSQL chains the last transition's audit entry after its commit: counted too.
          await auditSealsIdle(harness.db);
        },
        { keepSql: true },
      );
      const row = await harness.db.generation.findUniqueOrThrow({ where: { id } });
      expect(row.status, row.errorMessage ?? "").toBe("SUCCEEDED");
      const events = await harness.db.generationEvent.findMany({ where: { generationId: id }, orderBy: { id: "asc" } });
      const statusReads = events.filter((event) => event.type === "UPSTREAM_CALL" && event.path?.endsWith("/status")).length;
      const wentRunning = events.some((event) => event.toStatus === "RUNNING");
      // The read that saw PROCESSING first is RUNNING's transition, the one that saw COMPLETED the result's.
      const quietPolls = statusReads - (wentRunning ? 1 : 0) - 1;
      return { count, quietPolls, wentRunning };
    };

    // Warm-up: the team's name for the metrics; the shape's latency for the poll timing, which
    // the first success makes known and the next life reads once (then cached for 30 s).
    await life(1);
    await life(2);
    const { count, quietPolls, wentRunning } = await life(3);
    console.info(
      `[${target.provider}] one generation's life: ${count.statements} statements (${quietPolls} quiet status reads${wentRunning ? ", RUNNING" : ""}), ${count.transactions} transactions\n  ${count.sql?.map((sql) => sql.trim().slice(0, 90)).join("\n  ")}`,
    );
    expect(count.statements).toBeLessThanOrEqual(bound + (wentRunning ? running.statements : 0) + quietPolls);
    expect(count.transactions).toBeLessThanOrEqual(transactions + (wentRunning ? running.transactions : 0));
    expect(count.advisoryLocks).toBe(0);
  });
});
