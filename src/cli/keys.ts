import { parseArgs } from "node:util";
import {
  type KeyView,
  type Limits,
  type ManageDeps,
  ManageError,
  type TeamView,
  createKey,
  createTeam,
  listKeys,
  listTeams,
  revokeKey,
  rotateKey,
  setKeyBudget,
  setTeamBudget,
} from "../auth/manage";

/**
 * `npm run keys -- <command>`: teams and API keys, straight on the database (no server
 * needed). Parsing and printing only; the operations are src/auth/manage.ts.
 */
export const USAGE = `Usage: npm run keys -- <command> [options]

Teams
  team create <name> [budget options]         create a team
  team list                                    teams, their limits and key counts
  team budget <name> <budget options>          change a team's limits

API keys
  key create --team <name> --name <label> --scopes generate,read[,webhooks][,admin] [budget options]
                                               create a key; it is printed once, never again
  key list [--team <name>]                     prefix, name, team, scopes, dates (never the key)
  key revoke <prefix>                          refuse the key from now on
  key rotate <prefix>                          a new key with the same team, scopes and limits;
                                               the old one is revoked; the new one printed once
  key budget <prefix> <budget options>         change one key's own limits

Budget options (a number, or "none" for no limit)
  --daily-usd N        dollars per UTC day          --monthly-usd N   dollars per UTC month
  --max-concurrent N   generations running at once  --rpm N           generateVideo calls per minute

Add --json to any command for machine-readable output.
DATABASE_URL chooses the database (default file:./data/gateway.db).`;

export class UsageError extends Error {
  override readonly name = "UsageError";
}

export interface CliIo {
  /** One line of the command's result (stdout). */
  out(line: string): void;
}

const BUDGET_OPTIONS = {
  "daily-usd": { type: "string" },
  "monthly-usd": { type: "string" },
  "max-concurrent": { type: "string" },
  rpm: { type: "string" },
} as const;

/** Runs one command; throws ManageError / UsageError for the operator's mistakes. */
export async function runKeysCommand(argv: string[], deps: ManageDeps, io: CliIo): Promise<void> {
  const [group, command, ...rest] = argv;
  if (group === undefined || group === "help" || group === "--help" || group === "-h") {
    io.out(USAGE);
    return;
  }
  const handler = COMMANDS[`${group} ${command ?? ""}`];
  if (!handler) throw new UsageError(`Unknown command "${[group, command].filter(Boolean).join(" ")}".\n\n${USAGE}`);
  await handler(rest, deps, io);
}

type Handler = (args: string[], deps: ManageDeps, io: CliIo) => Promise<void>;

const COMMANDS: Record<string, Handler> = {
  async "team create"(args, deps, io) {
    const { values, positionals } = parse(args, BUDGET_OPTIONS, 1);
    const team = await createTeam(deps, positionals[0] as string, limitsFrom(values));
    if (values.json) return io.out(JSON.stringify({ id: team.id, name: team.name, limits: pickLimits(team) }));
    io.out(`Created team ${team.name} (${describeLimits(pickLimits(team))}).`);
    io.out(`Next: npm run keys -- key create --team ${team.name} --name <label> --scopes generate,read`);
  },

  async "team list"(args, deps, io) {
    const { values } = parse(args, {}, 0);
    const teams = await listTeams(deps.db);
    if (values.json) return io.out(JSON.stringify(teams));
    if (teams.length === 0) return io.out("No teams yet: npm run keys -- team create <name>");
    table(io, ["team", "daily $", "monthly $", "concurrent", "rpm", "keys", "revoked keys", "created"], teams.map(teamRow));
  },

  async "team budget"(args, deps, io) {
    const { values, positionals } = parse(args, BUDGET_OPTIONS, 1);
    const patch = requirePatch(limitsFrom(values));
    const result = await setTeamBudget(deps, positionals[0] as string, patch);
    if (values.json) return io.out(JSON.stringify({ team: result.team.name, changed: result.changed, old: result.old, new: result.new }));
    io.out(
      result.changed
        ? `Team ${result.team.name}: ${describeLimits(result.old)} -> ${describeLimits(result.new)}.`
        : `Team ${result.team.name}: unchanged (${describeLimits(result.new)}).`,
    );
  },

  async "key create"(args, deps, io) {
    const options = { ...BUDGET_OPTIONS, team: { type: "string" }, name: { type: "string" }, scopes: { type: "string" } } as const;
    const { values } = parse(args, options, 0);
    for (const required of ["team", "name", "scopes"] as const) {
      if (values[required] === undefined) throw new UsageError(`key create needs --${required}.\n\n${USAGE}`);
    }
    const created = await createKey(deps, {
      team: values.team as string,
      name: values.name as string,
      scopes: values.scopes as string,
      limits: limitsFrom(values),
    });
    printCreated(io, created.key, created.view, Boolean(values.json));
  },

  async "key list"(args, deps, io) {
    const { values } = parse(args, { team: { type: "string" } }, 0);
    const keys = await listKeys(deps.db, values.team as string | undefined);
    if (values.json) return io.out(JSON.stringify(keys));
    if (keys.length === 0) return io.out("No keys yet: npm run keys -- key create --team <name> --name <label> --scopes generate,read");
    table(
      io,
      ["prefix", "name", "team", "scopes", "created", "last used", "revoked", "limits"],
      keys.map((key) => [
        key.prefix,
        key.name,
        key.teamName,
        key.scopes.join(","),
        iso(key.createdAt),
        iso(key.lastUsedAt),
        iso(key.revokedAt),
        describeLimits(key.limits, "team's"),
      ]),
    );
  },

  async "key revoke"(args, deps, io) {
    const { values, positionals } = parse(args, {}, 1);
    const key = await revokeKey(deps, positionals[0] as string);
    if (values.json) return io.out(JSON.stringify(key));
    io.out(`Revoked key ${key.prefix} ("${key.name}", team ${key.teamName}); requests with it are refused from now on.`);
  },

  async "key rotate"(args, deps, io) {
    const { values, positionals } = parse(args, {}, 1);
    const rotated = await rotateKey(deps, positionals[0] as string);
    if (!values.json) io.out(`Revoked key ${rotated.replaced.prefix}; it is replaced by:`);
    printCreated(io, rotated.key, rotated.view, Boolean(values.json), rotated.replaced.prefix);
  },

  async "key budget"(args, deps, io) {
    const { values, positionals } = parse(args, BUDGET_OPTIONS, 1);
    const patch = requirePatch(limitsFrom(values));
    const result = await setKeyBudget(deps, positionals[0] as string, patch);
    if (values.json) return io.out(JSON.stringify({ key: result.key.prefix, changed: result.changed, old: result.old, new: result.new }));
    io.out(
      result.changed
        ? `Key ${result.key.prefix}: ${describeLimits(result.old, "team's")} -> ${describeLimits(result.new, "team's")}.`
        : `Key ${result.key.prefix}: unchanged (${describeLimits(result.new, "team's")}).`,
    );
  },
};

function printCreated(io: CliIo, key: string, view: KeyView, json: boolean, replaces?: string) {
  if (json) return io.out(JSON.stringify({ key, ...view, ...(replaces ? { replacesPrefix: replaces } : {}) }));
  io.out(`Created key "${view.name}" for team ${view.teamName} (scopes: ${view.scopes.join(", ")}).`);
  io.out(`  prefix: ${view.prefix}`);
  io.out(`  key:    ${key}`);
  io.out("Store the key now: it is shown only this once, and only its hash is kept.");
  io.out(`Use it as: Authorization: Bearer ${key.slice(0, 18)}...`);
}

type OptionSpec = Record<string, { type: "string" | "boolean" }>;

function parse<O extends OptionSpec>(args: string[], options: O, positionalCount: number) {
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({
      args,
      options: { ...options, json: { type: "boolean" } },
      allowPositionals: true,
      strict: true,
    }) as typeof parsed;
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${USAGE}`);
  }
  if (parsed.positionals.length !== positionalCount) {
    throw new UsageError(
      positionalCount === 0
        ? `Unexpected argument "${parsed.positionals[0]}".\n\n${USAGE}`
        : `Expected ${positionalCount === 1 ? "one argument" : `${positionalCount} arguments`}, got ${parsed.positionals.length}.\n\n${USAGE}`,
    );
  }
  return parsed;
}

/** --daily-usd 5 / --daily-usd none / (absent: not part of the change). */
export function limitsFrom(values: Record<string, string | boolean | undefined>): Partial<Limits> {
  const limits: Partial<Limits> = {};
  const dollars = (flag: string, text: string) => {
    if (text === "none") return null;
    if (!/^\d+(\.\d{1,6})?$/.test(text) || Number(text) > 1_000_000) {
      throw new ManageError(`--${flag} must be a dollar amount from 0 to 1000000 (e.g. 5 or 12.50), or "none"; got "${text}".`);
    }
    return Number(text);
  };
  const count = (flag: string, text: string) => {
    if (text === "none") return null;
    if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 1_000_000) {
      throw new ManageError(`--${flag} must be a whole number from 1 to 1000000, or "none"; got "${text}".`);
    }
    return Number(text);
  };
  const text = (flag: string) => {
    const value = values[flag];
    return typeof value === "string" ? value.trim() : undefined;
  };
  const daily = text("daily-usd");
  const monthly = text("monthly-usd");
  const concurrent = text("max-concurrent");
  const rpm = text("rpm");
  if (daily !== undefined) limits.dailyLimitUsd = dollars("daily-usd", daily);
  if (monthly !== undefined) limits.monthlyLimitUsd = dollars("monthly-usd", monthly);
  if (concurrent !== undefined) limits.maxConcurrent = count("max-concurrent", concurrent);
  if (rpm !== undefined) limits.requestsPerMinute = count("rpm", rpm);
  return limits;
}

function requirePatch(patch: Partial<Limits>): Partial<Limits> {
  if (Object.keys(patch).length === 0) {
    throw new UsageError(`Nothing to change: give at least one of --daily-usd, --monthly-usd, --max-concurrent, --rpm.`);
  }
  return patch;
}

function pickLimits(row: Limits): Limits {
  return {
    dailyLimitUsd: row.dailyLimitUsd,
    monthlyLimitUsd: row.monthlyLimitUsd,
    maxConcurrent: row.maxConcurrent,
    requestsPerMinute: row.requestsPerMinute,
  };
}

function describeLimits(limits: Limits, unset = "no"): string {
  const parts = [
    limits.dailyLimitUsd !== null ? `$${limits.dailyLimitUsd}/day` : null,
    limits.monthlyLimitUsd !== null ? `$${limits.monthlyLimitUsd}/month` : null,
    limits.maxConcurrent !== null ? `${limits.maxConcurrent} at once` : null,
    limits.requestsPerMinute !== null ? `${limits.requestsPerMinute}/min` : null,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(", ") : `${unset} limits`;
}

function teamRow(team: TeamView): string[] {
  const value = (n: number | null) => (n === null ? "-" : String(n));
  return [
    team.name,
    value(team.limits.dailyLimitUsd),
    value(team.limits.monthlyLimitUsd),
    value(team.limits.maxConcurrent),
    value(team.limits.requestsPerMinute),
    String(team.activeKeys),
    String(team.revokedKeys),
    iso(team.createdAt),
  ];
}

function iso(date: Date | null): string {
  return date ? date.toISOString().replace(/\.\d{3}Z$/, "Z") : "-";
}

function table(io: CliIo, headers: string[], rows: string[][]) {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
  io.out(line(headers));
  for (const row of rows) io.out(line(row));
}
