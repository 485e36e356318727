import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { countedUsage, windowNames } from "../../src/budget/counters";
import { uuidv7 } from "../../src/ids";
import { roundUsd } from "../../src/money";
import { describeEachDatabase, queryDatabase } from "../support/databases";
import { type Harness, startHarness } from "../support/harness";
import { addKey, createdId, generateAs, makeTeam } from "./support";

/** What the ledger says, summed the slow way: the truth the running totals must agree with. */
async function ledgerTotals(harness: Harness, where: { teamId: string } | { apiKeyId: string }, now = new Date()) {
  const entries = await harness.db.ledgerEntry.findMany({ where });
  const closed = new Set(entries.filter((entry) => entry.kind !== "HOLD").map((entry) => entry.generationId));
  const { day, month } = windowNames(now);
  const settled = (window: string, length: number) =>
    roundUsd(
      entries
        .filter((entry) => entry.kind === "SETTLE" && entry.createdAt.toISOString().slice(0, length) === window)
        .reduce((sum, entry) => sum + entry.amountUsd, 0),
    );
  return {
    heldUsd: roundUsd(entries.filter((entry) => entry.kind === "HOLD" && !closed.has(entry.generationId)).reduce((sum, entry) => sum + entry.amountUsd, 0)),
    spentTodayUsd: settled(day, 10),
    spentThisMonthUsd: settled(month, 7),
  };
}

describeEachDatabase("budgets: running totals as generations settle", (target) => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness(target, { standInOptions: { jobDurationMs: 100 } });
  });
  afterAll(() => harness?.close());

  it("agree with the ledger after settlements and releases, for the team and the key", async () => {
    const team = await makeTeam(harness.db, { dailyLimitUsd: 100 });
    const finished = [];
    for (const seed of [1, 2, 3]) finished.push(createdId(await generateAs(harness, team.key, { seed })));
    await Promise.all(finished.map((id) => harness.waitForStatus(id, ["SUCCEEDED"])));
    harness.standIn.inject({ route: "submit", kind: { status: 400, body: JSON.stringify({ error: "bad input" }) } });
    const refused = createdId(await generateAs(harness, team.key, { seed: 4 }));
    await harness.waitForStatus(refused, ["FAILED"]);

    const now = new Date();
    const teamRow = await harness.db.team.findUniqueOrThrow({ where: { id: team.teamId } });
    const keyRow = await harness.db.apiKey.findUniqueOrThrow({ where: { id: team.keyId } });
    const truth = await ledgerTotals(harness, { teamId: team.teamId }, now);
    expect(truth.spentTodayUsd).toBeGreaterThan(0);
    expect(countedUsage(teamRow, now)).toEqual(truth);
    expect(countedUsage(keyRow, now)).toEqual(await ledgerTotals(harness, { apiKeyId: team.keyId }, now));
  });
});

/** The worker does not run here: holds stay open, and statements counted are the request's own. */
describeEachDatabase("budgets: running totals instead of sums over the ledger", (target) => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness(target, { start: false });
  });
  afterAll(() => harness?.close());

  it("count open holds of the team and of each key", async () => {
    const team = await makeTeam(harness.db, { dailyLimitUsd: 100 });
    const second = await addKey(harness.db, team.teamId);
    for (const [key, resolution] of [[team.key, "SD_480P"], [second.key, "HD_720P"], [team.key, "HD_720P"]] as const) {
      createdId(await generateAs(harness, key, { resolution }));
    }
    const now = new Date();
    const teamRow = await harness.db.team.findUniqueOrThrow({ where: { id: team.teamId } });
    expect(countedUsage(teamRow, now)).toEqual({ heldUsd: 0.091 + 0.225 + 0.225, spentTodayUsd: 0, spentThisMonthUsd: 0 });
    expect(countedUsage(teamRow, now)).toEqual(await ledgerTotals(harness, { teamId: team.teamId }, now));
    const secondRow = await harness.db.apiKey.findUniqueOrThrow({ where: { id: second.keyId } });
    expect(countedUsage(secondRow, now)).toEqual(await ledgerTotals(harness, { apiKeyId: second.keyId }, now));
    expect(countedUsage(secondRow, now).heldUsd).toBe(0.225);
  });

  it("move to a new day and month by name, and never count a later window's spending as zero", async () => {
    const team = await makeTeam(harness.db);
    const history = await harness.db.generation.findFirstOrThrow({ where: { teamId: { not: null } } });
    // A generation of this team without a hold: its settlements move the windows only.
    const settled = await harness.db.generation.create({
      data: { ...history, id: uuidv7(new Date()), idempotencyKey: null, batchId: null, teamId: team.teamId, apiKeyId: team.keyId },
    });
    const at = (iso: string) => new Date(iso);
    // Each settlement is an INSERT; the totals follow it (migration 0011's trigger).
    const settle = (amountUsd: number, iso: string) =>
      harness.db.ledgerEntry.create({
        data: { teamId: team.teamId, apiKeyId: team.keyId, generationId: settled.id, kind: "SETTLE", amountUsd, createdAt: at(iso) },
      });
    await settle(1.25, "2026-03-31T23:59:59Z");
    await settle(0.5, "2026-03-31T12:00:00Z");
    let row = await harness.db.team.findUniqueOrThrow({ where: { id: team.teamId } });
    expect(countedUsage(row, at("2026-03-31T23:59:59Z"))).toMatchObject({ spentTodayUsd: 1.75, spentThisMonthUsd: 1.75 });
    expect(countedUsage(row, at("2026-04-01T00:00:00Z"))).toMatchObject({ spentTodayUsd: 0, spentThisMonthUsd: 0 });

    await settle(2, "2026-04-01T00:00:01Z");
    // A settlement stamped by a clock still in March adds to no current window.
    await settle(9, "2026-03-31T23:59:58Z");
    row = await harness.db.team.findUniqueOrThrow({ where: { id: team.teamId } });
    expect(countedUsage(row, at("2026-04-01T10:00:00Z"))).toMatchObject({ spentTodayUsd: 2, spentThisMonthUsd: 2 });
    await settle(1, "2026-04-02T08:00:00Z");
    row = await harness.db.team.findUniqueOrThrow({ where: { id: team.teamId } });
    expect(countedUsage(row, at("2026-04-02T09:00:00Z"))).toMatchObject({ spentTodayUsd: 1, spentThisMonthUsd: 3 });
    const key = await harness.db.apiKey.findUniqueOrThrow({ where: { id: team.keyId } });
    expect(countedUsage(key, at("2026-04-02T09:00:00Z"))).toMatchObject({ heldUsd: 0, spentTodayUsd: 1, spentThisMonthUsd: 3 });
  });

  it("move the same way when many settlements are written in one statement (one UPDATE per owner on PostgreSQL)", async () => {
    const team = await makeTeam(harness.db);
    const history = await harness.db.generation.findFirstOrThrow({ where: { teamId: { not: null } } });
    const settled = await harness.db.generation.create({
      data: { ...history, id: uuidv7(new Date()), idempotencyKey: null, batchId: null, teamId: team.teamId, apiKeyId: team.keyId },
    });
    // The previous test's settlements, in one INSERT: the totals must end where one at a time left them.
    const entries = [
      [1.25, "2026-03-31T23:59:59Z"],
      [0.5, "2026-03-31T12:00:00Z"],
      [2, "2026-04-01T00:00:01Z"],
      [9, "2026-03-31T23:59:58Z"],
      [1, "2026-04-02T08:00:00Z"],
    ] as const;
    await harness.db.ledgerEntry.createMany({
      data: entries.map(([amountUsd, iso]) => ({
        teamId: team.teamId,
        apiKeyId: team.keyId,
        generationId: settled.id,
        kind: "SETTLE",
        amountUsd,
        createdAt: new Date(iso),
      })),
    });
    const at = new Date("2026-04-02T09:00:00Z");
    const row = await harness.db.team.findUniqueOrThrow({ where: { id: team.teamId } });
    expect(countedUsage(row, at)).toMatchObject({ heldUsd: 0, spentTodayUsd: 1, spentThisMonthUsd: 3 });
    const key = await harness.db.apiKey.findUniqueOrThrow({ where: { id: team.keyId } });
    expect(countedUsage(key, at)).toMatchObject({ heldUsd: 0, spentTodayUsd: 1, spentThisMonthUsd: 3 });
    expect(countedUsage(row, at)).toMatchObject(await ledgerTotals(harness, { teamId: team.teamId }, at));
  });

  it("admission reads no ledger sum: a team with 3,000 settled entries this month costs the same statements as a new one", async () => {
    const fresh = await makeTeam(harness.db, { monthlyLimitUsd: 1_000_000, dailyLimitUsd: 1_000_000 });
    const busy = await makeTeam(harness.db, { monthlyLimitUsd: 1_000_000, dailyLimitUsd: 1_000_000 });
    const history = await harness.db.generation.findFirstOrThrow({ where: { teamId: { not: null } } });
    const now = new Date();
    // Settled entries (tied to any generation: only their team and time matter to a budget).
    await harness.db.ledgerEntry.createMany({
      data: Array.from({ length: 3_000 }, () => ({
        teamId: busy.teamId,
        apiKeyId: busy.keyId,
        generationId: history.id,
        kind: "SETTLE",
        amountUsd: 0.091,
        createdAt: now,
      })),
    });
    const statementsOf = async (key: string, seed: number) => {
      const from = harness.queries.length;
      createdId(await generateAs(harness, key, { seed }));
      return harness.queries.slice(from);
    };
    // A key's first request also records its first use: warm both up first.
    await statementsOf(fresh.key, 11);
    await statementsOf(busy.key, 12);
    // Team.findUnique aside: the metrics look a team's name up once, whenever that lands.
    const names = (queries: typeof harness.queries) =>
      queries.map((query) => `${query.model}.${query.operation}`).filter((name) => name !== "Team.findUnique").sort();
    const forFresh = await statementsOf(fresh.key, 13);
    const forBusy = await statementsOf(busy.key, 14);
    expect(names(forBusy)).toEqual(names(forFresh));
    expect(forBusy.filter((query) => query.model === "LedgerEntry" && query.operation !== "createMany")).toEqual([]);
    // Dollar limits only: no count of unfinished or recent generations either.
    expect(names(forBusy).filter((name) => name === "Generation.count")).toEqual([]);
  });

  it("are computed from the ledger by migration 0008 for data written before it", async () => {
    const team = await makeTeam(harness.db);
    const history = await harness.db.generation.findFirstOrThrow({ where: { teamId: { not: null } } });
    const now = new Date();
    const entry = (kind: string, amountUsd: number, createdAt: Date, generationId = history.id) => ({
      teamId: team.teamId,
      apiKeyId: team.keyId,
      generationId,
      kind,
      amountUsd,
      createdAt,
    });
    const open = await harness.db.generation.create({
      data: { ...history, id: uuidv7(now), idempotencyKey: null, batchId: null, teamId: team.teamId, apiKeyId: team.keyId },
    });
    const lastYear = new Date(now.getTime() - 400 * 24 * 3_600_000);
    await harness.db.ledgerEntry.createMany({
      data: [entry("SETTLE", 0.5, now), entry("SETTLE", 0.25, now), entry("SETTLE", 7, lastYear), entry("HOLD", 0.45, now, open.id)],
    });
    const sql = readFileSync(`prisma/${target.provider}/migrations/0008_budget_counters/migration.sql`, "utf8");
    const backfill = sql.slice(sql.indexOf("-- Backfill"));
    for (const statement of backfill.split(";").map((part) => part.trim()).filter((part) => part.includes("UPDATE"))) {
      await queryDatabase(harness.database, statement);
    }
    const row = await harness.db.team.findUniqueOrThrow({ where: { id: team.teamId } });
    expect(countedUsage(row, new Date())).toEqual(await ledgerTotals(harness, { teamId: team.teamId }));
    expect(countedUsage(row, new Date())).toMatchObject({ heldUsd: 0.45, spentThisMonthUsd: 0.75 });
  });
});
