import { afterAll, beforeAll, expect, it } from "vitest";
import { hashApiKey } from "../../src/auth/api-keys";
import { ManageError, createKey, createTeam, revokeKey, rotateKey } from "../../src/auth/manage";
import { verifyAuditTrail } from "../../src/audit/log";
import { USAGE, UsageError, runKeysCommand } from "../../src/cli/keys";
import { type Db, openDatabase } from "../../src/db/client";
import { type FreshDatabase, describeEachDatabase } from "../support/databases";
import { manageDeps } from "../support/teams";

/** The keys CLI's commands in-process, on both databases (the child-process test is SQLite only). */
describeEachDatabase("keys CLI commands", (target) => {
  let database: FreshDatabase;
  let db: Db;
  let close: () => Promise<void>;

  async function keys(...argv: string[]): Promise<string[]> {
    const lines: string[] = [];
    await runKeysCommand(argv, manageDeps(db), { out: (line) => lines.push(line) });
    return lines;
  }
  const json = async (...argv: string[]) => JSON.parse((await keys(...argv, "--json")).join("\n"));

  beforeAll(async () => {
    database = await target.createDatabase();
    ({ db, close } = await openDatabase(database.url));
  });
  afterAll(async () => {
    await close?.();
    await database?.drop();
  });

  it("creates teams with limits, lists them, and changes budgets (none clears one)", async () => {
    expect(await json("team", "create", "north", "--daily-usd", "2.5", "--max-concurrent", "3", "--rpm", "20")).toMatchObject({
      name: "north",
      limits: { dailyLimitUsd: 2.5, monthlyLimitUsd: null, maxConcurrent: 3, requestsPerMinute: 20 },
    });
    const changed = await json("team", "budget", "north", "--daily-usd", "none", "--monthly-usd", "100");
    expect(changed).toEqual({
      team: "north",
      changed: true,
      old: { dailyLimitUsd: 2.5, monthlyLimitUsd: null, maxConcurrent: 3, requestsPerMinute: 20 },
      new: { dailyLimitUsd: null, monthlyLimitUsd: 100, maxConcurrent: 3, requestsPerMinute: 20 },
    });
    // Setting what is already set changes nothing and audits nothing.
    const before = await db.auditEntry.count();
    expect((await json("team", "budget", "north", "--monthly-usd", "100")).changed).toBe(false);
    expect(await db.auditEntry.count()).toBe(before);
    const teams = await json("team", "list");
    expect(teams).toEqual([expect.objectContaining({ name: "north", activeKeys: 0, revokedKeys: 0 })]);
  });

  it("creates keys with scopes and their own limits; lists never show a hash or a key", async () => {
    const created = await json("key", "create", "--team", "north", "--name", "batch", "--scopes", "read,generate", "--daily-usd", "1");
    expect(created.key).toMatch(/^sgw_live_[0-9a-z]{8}_[0-9A-Za-z]{32}$/);
    expect(created).toMatchObject({ teamName: "north", name: "batch", scopes: ["generate", "read"], limits: { dailyLimitUsd: 1 } });
    const row = await db.apiKey.findUniqueOrThrow({ where: { prefix: created.prefix } });
    expect(row.hash).toBe(hashApiKey(created.key));
    const listed = await keys("key", "list", "--team", "north");
    const listedJson = JSON.stringify(await json("key", "list"));
    for (const text of [listed.join("\n"), listedJson]) {
      expect(text).toContain(created.prefix);
      expect(text).not.toContain(row.hash);
      expect(text).not.toContain(created.key.slice(-32));
    }
    const budget = await json("key", "budget", created.prefix, "--rpm", "5", "--daily-usd", "none");
    expect(budget).toMatchObject({ changed: true, old: { dailyLimitUsd: 1, requestsPerMinute: null }, new: { dailyLimitUsd: null, requestsPerMinute: 5 } });
  });

  it("rotates a key into one with the same team, name, scopes and limits, revoking the old in the same step", async () => {
    const deps = manageDeps(db);
    const original = await createKey(deps, { team: "north", name: "ops", scopes: "admin", limits: { maxConcurrent: 2 } });
    const rotated = await rotateKey(deps, original.view.prefix);
    expect(rotated.view).toMatchObject({ teamName: "north", name: "ops", scopes: ["admin"], limits: { maxConcurrent: 2 }, replacesId: original.view.id, revokedAt: null });
    expect(rotated.replaced.revokedAt).toBeInstanceOf(Date);
    expect(rotated.replaced.revokedAt?.getTime()).toBe((await db.apiKey.findUniqueOrThrow({ where: { id: rotated.view.id } })).createdAt.getTime());
    await expect(rotateKey(deps, original.view.prefix)).rejects.toThrow(/already revoked/);
    await expect(revokeKey(deps, original.view.prefix)).rejects.toThrow(/already revoked/);
  });

  it("lets exactly one of a concurrent revoke and rotate win", async () => {
    const deps = manageDeps(db);
    const key = await createKey(deps, { team: "north", name: "raced", scopes: "read" });
    const outcomes = await Promise.allSettled([revokeKey(deps, key.view.prefix), rotateKey(deps, key.view.prefix), revokeKey(deps, key.view.prefix)]);
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(1);
    for (const outcome of outcomes) {
      if (outcome.status === "rejected") expect(outcome.reason).toBeInstanceOf(ManageError);
    }
    const replacements = await db.apiKey.count({ where: { replacesId: key.view.id } });
    expect(replacements).toBe(outcomes[1].status === "fulfilled" ? 1 : 0);
    expect((await verifyAuditTrail(db)).firstProblem).toBeNull();
  });

  it("refuses bad input plainly", async () => {
    const refusals: Array<[string[], RegExp]> = [
      [["team", "create", "bad name"], /Invalid team name/],
      [["team", "create", "-x"], /Unknown option|Invalid team name/],
      [["team", "create"], /Expected one argument/],
      [["team", "budget", "north"], /Nothing to change/],
      [["team", "budget", "nowhere", "--rpm", "3"], /No team named "nowhere"/],
      [["team", "create", "south", "--daily-usd=-1"], /--daily-usd must be a dollar amount/],
      [["team", "create", "south", "--daily-usd", "1e3"], /--daily-usd must be a dollar amount/],
      [["team", "create", "south", "--max-concurrent", "0"], /--max-concurrent must be a whole number/],
      [["team", "create", "south", "--rpm", "2.5"], /--rpm must be a whole number/],
      [["key", "create", "--team", "north", "--name", "x"], /key create needs --scopes/],
      [["key", "create", "--team", "north", "--name", "x", "--scopes", ""], /at least one scope/],
      [["key", "create", "--team", "north", "--name", "x", "--scopes", "root"], /Unknown scope\(s\): root/],
      [["key", "create", "--team", "north", "--name", "", "--scopes", "read"], /Invalid key name/],
      [["key", "revoke", "not a prefix"], /not a key prefix/],
      [["key", "list", "extra"], /Unexpected argument/],
      [["key", "delete", "x"], /Unknown command "key delete"/],
    ];
    for (const [argv, message] of refusals) {
      const attempt = keys(...argv);
      await expect(attempt, argv.join(" ")).rejects.toThrow(message);
      await attempt.catch((error) => expect(error instanceof ManageError || error instanceof UsageError).toBe(true));
    }
    expect(await db.team.count({ where: { name: "south" } })).toBe(0);
  });

  it("refuses a second team with a taken name, even when two are created at once", async () => {
    const deps = manageDeps(db);
    const outcomes = await Promise.allSettled([createTeam(deps, "east"), createTeam(deps, "east")]);
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(["fulfilled", "rejected"]);
    const rejected = outcomes.find((outcome) => outcome.status === "rejected") as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(ManageError);
    expect(rejected.reason.message).toBe('A team named "east" already exists.');
  });

  it("audits every change as the operator at the CLI, in an intact chain", async () => {
    const entries = await db.auditEntry.findMany({ orderBy: { sequence: "asc" } });
    const actions = new Set(entries.map((entry) => entry.action));
    for (const action of ["TEAM_CREATED", "KEY_CREATED", "KEY_ROTATED", "KEY_REVOKED", "BUDGET_CHANGED"]) expect(actions).toContain(action);
    for (const entry of entries) {
      expect(entry).toMatchObject({ actorKeyId: null, actorTeamId: null, clientAddress: "test" });
      expect(JSON.parse(entry.details).operator).toBe("vitest");
    }
    expect(await verifyAuditTrail(db)).toMatchObject({ firstProblem: null, headMatches: true });
  });

  it("prints its usage", async () => {
    expect((await keys("help")).join("\n")).toBe(USAGE);
    expect((await keys()).join("\n")).toBe(USAGE);
  });
});
