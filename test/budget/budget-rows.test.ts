// readBudgetRows (src/budget/budget-rows.ts) reads the team and its keys in one raw statement
// where Prisma's findUnique and findMany took two: the check and its alerts must see exactly
// the values Prisma would have returned (numbers, not bigints; nulls; fractional dollars).
import { afterAll, beforeAll, expect, it } from "vitest";
import { readBudgetRows } from "../../src/budget/budget-rows";
import { describeEachDatabase } from "../support/databases";
import { type Harness, startHarness } from "../support/harness";
import { addKey, createdId, generateAs, makeTeam } from "./support";

const LIMITS = { dailyLimitUsd: true, monthlyLimitUsd: true, maxConcurrent: true, requestsPerMinute: true } as const;
const TOTALS = { heldUsd: true, spentDay: true, spentDayUsd: true, spentMonth: true, spentMonthUsd: true } as const;

describeEachDatabase("budgets: the team's and keys' rows in one statement", (target) => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness(target, { start: false });
  });
  afterAll(() => harness?.close());

  it("are the rows Prisma reads, for a team with limited, unlimited and unknown keys", async () => {
    const team = await makeTeam(harness.db, { dailyLimitUsd: 12.5, maxConcurrent: 7 }, { monthlyLimitUsd: 3.25, requestsPerMinute: 40 });
    const plain = await addKey(harness.db, team.teamId);
    // Open holds: fractional running totals on the team and on both keys.
    createdId(await generateAs(harness, team.key, { resolution: "SD_480P" }));
    createdId(await generateAs(harness, plain.key, { resolution: "HD_720P" }));
    const other = await makeTeam(harness.db);

    const read = await harness.db.$transaction((tx) => readBudgetRows(tx, team.teamId, [team.keyId, plain.keyId, "no-such-key"]));

    const expectedTeam = await harness.db.team.findUnique({ where: { id: team.teamId }, select: { id: true, name: true, ...LIMITS, ...TOTALS } });
    const expectedKeys = await harness.db.apiKey.findMany({
      where: { id: { in: [team.keyId, plain.keyId] } },
      select: { id: true, name: true, prefix: true, ...LIMITS, ...TOTALS },
    });
    expect(expectedTeam?.heldUsd).toBeGreaterThan(0);
    expect(read.team).toStrictEqual(expectedTeam);
    const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
    expect([...read.keys].sort(byId)).toStrictEqual([...expectedKeys].sort(byId));
    expect(read.keys.find((key) => key.id === team.keyId)?.maxConcurrent).toBeNull();
    expect(read.keys.find((key) => key.id === team.keyId)?.requestsPerMinute).toBe(40);

    // No keys asked for; a team without any; no team.
    expect(await harness.db.$transaction((tx) => readBudgetRows(tx, team.teamId, []))).toStrictEqual({ team: expectedTeam, keys: [] });
    const alone = await harness.db.$transaction((tx) => readBudgetRows(tx, other.teamId, ["no-such-key"]));
    expect(alone.team?.id).toBe(other.teamId);
    expect(alone.keys).toStrictEqual([]);
    expect(await harness.db.$transaction((tx) => readBudgetRows(tx, "no-such-team", [team.keyId]))).toStrictEqual({ team: null, keys: [] });
  });
});
