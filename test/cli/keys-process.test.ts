import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAuditTrail } from "../../src/audit/log";
import { CONFIG_VARIABLES } from "../../src/config";
import { databaseTargets } from "../support/databases";
import { type Harness, VALID_INPUT, startHarness } from "../support/harness";
import { type GatewayDirs, makeGatewayDirs } from "../support/process";

/**
 * `npm run keys` as an operator runs it: a child process on the gateway's SQLite file, with no
 * server running, then the keys it printed used over GraphQL by an in-process gateway on the
 * same file.
 */
const REPO_ROOT = resolve(import.meta.dirname, "../..");
const KEY_PATTERN = /sgw_live_[0-9a-z]{8}_[0-9A-Za-z]{32}/g;

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(databaseUrl: string, args: string[]): Promise<CliResult> {
  const env = { ...process.env };
  for (const name of CONFIG_VARIABLES) delete env[name];
  const child = spawn(process.execPath, ["--import", "tsx", "bin/keys.ts", ...args], {
    cwd: REPO_ROOT,
    env: { ...env, DATABASE_URL: databaseUrl },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  return new Promise((done) => child.once("close", (code) => done({ code, stdout, stderr })));
}

const WHO = "{ generations(first: 5) { totalCount edges { node { id } } } }";

// SQLite only: the point is the embedded default, a file shared by the CLI and the gateway.
const target = databaseTargets().find((candidate) => candidate.provider === "sqlite") as ReturnType<typeof databaseTargets>[number];

describe("keys CLI, end to end", () => {
  let dirs: GatewayDirs;
  let harness: Harness;
  const cli = (...args: string[]) => runCli(dirs.databaseUrl, args);
  /** Everything the CLI printed, to check that keys appear only where they should. */
  const printed: Array<{ args: string[]; result: CliResult }> = [];
  const run = async (...args: string[]) => {
    const result = await cli(...args);
    printed.push({ args, result });
    return result;
  };

  beforeAll(async () => {
    dirs = makeGatewayDirs();
  });
  afterAll(async () => {
    await harness?.close({ keepDatabase: true });
    dirs?.remove();
  });

  it("creates a team and a key with no server running; the key works over GraphQL; rotate and revoke take effect at once", async () => {
    const team = await run("team", "create", "acme", "--daily-usd", "5", "--monthly-usd", "50");
    expect(team, team.stderr).toMatchObject({ code: 0 });
    expect(team.stdout).toContain("Created team acme ($5/day, $50/month)");

    const created = await run("key", "create", "--team", "acme", "--name", "web app", "--scopes", "generate,read");
    expect(created.code, created.stderr).toBe(0);
    const keys = created.stdout.match(KEY_PATTERN) ?? [];
    expect(keys).toHaveLength(1);
    const key = keys[0] as string;
    const prefix = key.slice("sgw_live_".length, "sgw_live_".length + 8);
    expect(created.stdout).toContain(`prefix: ${prefix}`);

    // The gateway, started afterwards on the same file, anonymous use off.
    harness = await startHarness(target, {
      start: false,
      allowAnonymous: false,
      database: { provider: "sqlite", url: dirs.databaseUrl, drop: async () => {} },
    });
    const generated = await harness.gqlAs(key, `mutation($input: GenerateVideoInput!) {
      generateVideo(input: $input) { ... on GenerateVideoPayload { generation { id } } }
    }`, { input: VALID_INPUT });
    const id = generated.data.generateVideo.generation.id;
    expect(await harness.gqlAs(key, WHO)).toEqual({ data: { generations: { totalCount: 1, edges: [{ node: { id } }] } } });
    expect((await harness.gqlAs(null, WHO)).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");

    // The list names the key by its prefix; never the key, never its hash.
    const listed = await run("key", "list");
    expect(listed.code).toBe(0);
    const row = listed.stdout.split("\n").find((line) => line.startsWith(prefix)) as string;
    expect(row).toMatch(new RegExp(`^${prefix}\\s+web app\\s+acme\\s+generate,read\\s+\\d{4}-\\d\\d-\\d\\dT\\S+Z\\s+\\d{4}-\\d\\d-\\d\\dT\\S+Z\\s+-`));
    const stored = await harness.db.apiKey.findUniqueOrThrow({ where: { prefix } });
    expect(listed.stdout).not.toContain(stored.hash);
    expect(stored.hash).not.toContain(key.slice(-32));

    // Rotate: the old key is refused from the next request on; the new one works, same team.
    const rotated = await run("key", "rotate", prefix);
    expect(rotated.code, rotated.stderr).toBe(0);
    const newKey = (rotated.stdout.match(KEY_PATTERN) ?? [])[0] as string;
    expect(newKey).toBeDefined();
    expect(newKey).not.toBe(key);
    expect((await harness.gqlAs(key, WHO)).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect((await harness.gqlAs(newKey, WHO)).data.generations.totalCount).toBe(1);
    const newPrefix = newKey.slice(9, 17);
    const replacement = await harness.db.apiKey.findUniqueOrThrow({ where: { prefix: newPrefix } });
    expect(replacement).toMatchObject({ replacesId: stored.id, teamId: stored.teamId, scopes: "generate,read", name: "web app", revokedAt: null });

    // Revoke: refused at once, with the same answer as any unknown key.
    const revoked = await run("key", "revoke", newPrefix);
    expect(revoked.code, revoked.stderr).toBe(0);
    const refused = await harness.gqlAs(newKey, WHO);
    expect(refused).toEqual(await harness.gqlAs(`sgw_live_zzzzzzzz_${"A".repeat(32)}`, WHO));
    expect(refused.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");

    const budget = await run("team", "budget", "acme", "--daily-usd", "7.50", "--monthly-usd", "none");
    expect(budget.code, budget.stderr).toBe(0);
    expect(budget.stdout).toContain("$5/day, $50/month -> $7.5/day");
    expect(await harness.db.team.findUniqueOrThrow({ where: { name: "acme" } })).toMatchObject({ dailyLimitUsd: 7.5, monthlyLimitUsd: null });

    const teams = await run("team", "list");
    expect(teams.stdout).toMatch(/acme\s+7\.5\s+-\s+-\s+-\s+0\s+2\s/);
  }, 60_000);

  it("fails clearly, with exit code 1 and nothing changed, on an operator's mistake", async () => {
    const before = await harness.db.auditEntry.count();
    const cases: Array<[string[], RegExp]> = [
      [["key", "create", "--team", "nope", "--name", "x", "--scopes", "read"], /No team named "nope"/],
      [["key", "create", "--team", "acme", "--name", "x", "--scopes", "read,write"], /Unknown scope\(s\): write/],
      [["team", "budget", "acme", "--daily-usd", "lots"], /--daily-usd must be a dollar amount/],
      [["team", "create", "acme"], /A team named "acme" already exists/],
      [["key", "revoke", "sgw_live_zzzzzzzz_secretpart"], /No key has the prefix zzzzzzzz/],
      [["frobnicate"], /Unknown command "frobnicate"/],
    ];
    for (const [args, message] of cases) {
      const result = await run(...args);
      expect(result.code, args.join(" ")).toBe(1);
      expect(result.stderr).toMatch(message);
      // A key pasted by mistake is never echoed back.
      expect(result.stderr).not.toContain("secretpart");
    }
    expect(await harness.db.auditEntry.count()).toBe(before);
  }, 60_000);

  it("prints a key only when it creates one, stores none, and audits every change", async () => {
    for (const { args, result } of printed) {
      const shown = `${result.stdout}${result.stderr}`.match(KEY_PATTERN) ?? [];
      const createsOne = (args[0] === "key" && args[1] === "create" && result.code === 0) || (args[1] === "rotate" && result.code === 0);
      expect(shown.length, args.join(" ")).toBe(createsOne ? 1 : 0);
    }
    // Not in the database file either, in any form the key was shown.
    const shownKeys = printed.flatMap(({ result }) => result.stdout.match(KEY_PATTERN) ?? []);
    expect(shownKeys).toHaveLength(2);
    for (const file of readdirSync(dirs.root).filter((name) => name.startsWith("gateway.db"))) {
      const bytes = readFileSync(join(dirs.root, file)).toString("latin1");
      for (const key of shownKeys) expect(bytes.includes(key.slice(-32)), file).toBe(false);
    }

    const entries = await harness.db.auditEntry.findMany({
      where: { action: { in: ["TEAM_CREATED", "KEY_CREATED", "KEY_ROTATED", "KEY_REVOKED", "BUDGET_CHANGED"] } },
      orderBy: { sequence: "asc" },
    });
    expect(entries.map((entry) => entry.action)).toEqual(["TEAM_CREATED", "KEY_CREATED", "KEY_ROTATED", "KEY_REVOKED", "BUDGET_CHANGED"]);
    for (const entry of entries) {
      expect(entry).toMatchObject({ actorKeyId: null, clientAddress: "cli" });
      expect(JSON.parse(entry.details)).toHaveProperty("operator");
      for (const key of shownKeys) expect(entry.details).not.toContain(key.slice(-32));
    }
    const budget = JSON.parse((entries[4] as { details: string }).details);
    expect(budget.old).toMatchObject({ dailyLimitUsd: 5, monthlyLimitUsd: 50 });
    expect(budget.new).toMatchObject({ dailyLimitUsd: 7.5, monthlyLimitUsd: null });
    const verdict = await verifyAuditTrail(harness.db);
    expect(verdict.firstProblem).toBeNull();
    expect(verdict.headMatches).toBe(true);
  });
});
