import { afterAll, beforeAll, expect, it } from "vitest";
import { countStatements, installCounter } from "../../bench/lib/statement-counter";
import { describeEachDatabase } from "../support/databases";
import { type GraphQLResponse, type Harness, startHarness } from "../support/harness";
import { input, makeTeam } from "./support";

/**
 * Many requests of one team at once against its budget: the budget check is serialised on
 * the team (ledger.ts), so requests wait for each other. Waiting too long must end in a typed,
 * retryable BusyError (nothing stored), never an internal error; and whatever happens, the
 * team is never overspent. The figures: 38–53 "Unexpected error" of 400 on PostgreSQL.
 */
const RACE = `
  mutation Generate($input: GenerateVideoInput!) {
    generateVideo(input: $input) {
      __typename
      ... on Error { code message }
      ... on BusyError { retryAfterMs }
    }
  }
`;

describeEachDatabase("budgets under contention", (target) => {
  let harness: Harness;

  beforeAll(async () => {
    installCounter();
    harness = await startHarness(target, { start: false });
  });
  afterAll(() => harness?.close());

  it("100 concurrent generateVideo of one team: successes, BUDGET_EXCEEDED or BUSY only, never overspent", async () => {
    const fits = 20;
    const team = await makeTeam(harness.db, { dailyLimitUsd: fits * 0.091 });
    let results: GraphQLResponse[] = [];
    // The worker does not run (start: false): every transaction is an admission's.
    const { transactions } = await countStatements(async () => {
      results = await Promise.all(Array.from({ length: 100 }, () => harness.gqlAs(team.key, RACE, { input: input() })));
    });
    // Group commit (src/generations/admission.ts): requests that arrived together share one
    // transaction, with one read of the team's budget.
    console.info(`100-concurrent race on ${target.provider}: ${transactions} admission transactions`);
    expect(transactions).toBeGreaterThan(0);
    expect(transactions).toBeLessThan(100);
    const tally: Record<string, number> = {};
    for (const result of results) {
      const kind = result.errors
        ? `error:${String(result.errors[0]?.extensions?.code)}`
        : (result.data.generateVideo.__typename as string);
      tally[kind] = (tally[kind] ?? 0) + 1;
    }
    console.info(`100-concurrent race on ${target.provider}: ${JSON.stringify(tally)}`);
    expect(Object.keys(tally).filter((kind) => kind.startsWith("error:"))).toEqual([]);
    expect(Object.keys(tally).every((kind) => ["GenerateVideoPayload", "BudgetExceededError", "BusyError"].includes(kind))).toBe(true);

    const created = tally.GenerateVideoPayload ?? 0;
    // Queued behind one another instead of timing out: exactly what fits is accepted.
    expect(created).toBe(fits);
    // Every success holds exactly its estimate; nothing else was stored.
    expect(await harness.db.generation.count({ where: { teamId: team.teamId } })).toBe(created);
    const held = await harness.db.ledgerEntry.aggregate({ where: { teamId: team.teamId, kind: "HOLD" }, _sum: { amountUsd: true }, _count: true });
    expect(held._count).toBe(created);
    expect(held._sum.amountUsd ?? 0).toBeLessThanOrEqual(fits * 0.091 + 1e-9);

    for (const result of results) {
      const answer = result.data?.generateVideo;
      if (answer?.__typename !== "BusyError") continue;
      expect(answer.code).toBe("BUSY");
      expect(answer.retryAfterMs).toBeGreaterThan(0);
    }
  }, 120_000);
});
