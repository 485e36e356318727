import { appendAudit } from "../audit/log";
import type { Clock } from "../clock";
import type { Db, Tx } from "../db/client";
import { isUniqueViolation } from "../db/error-chain";
import { uuidv7 } from "../ids";
import { mintApiKey } from "./api-keys";
import { type Scope, SCOPES, parseScopes } from "./principal";

/**
 * Managing teams and API keys (the `keys` CLI's operations). Every change is one transaction
 * with its audit entry (TEAM_CREATED, KEY_CREATED, KEY_REVOKED, KEY_ROTATED, BUDGET_CHANGED),
 * so the trail holds an entry exactly when the change happened. A key is returned in clear
 * only by createKey and rotateKey, once; nothing here ever reads a hash back out.
 */

export type TeamRow = Awaited<ReturnType<Db["team"]["findUniqueOrThrow"]>>;
type ApiKeyRow = Awaited<ReturnType<Db["apiKey"]["findUniqueOrThrow"]>>;

/** Spending and rate limits, on a team or on one key; null means no limit. */
export interface Limits {
  dailyLimitUsd: number | null;
  monthlyLimitUsd: number | null;
  maxConcurrent: number | null;
  requestsPerMinute: number | null;
}

export const LIMIT_FIELDS = ["dailyLimitUsd", "monthlyLimitUsd", "maxConcurrent", "requestsPerMinute"] as const;

export const NO_LIMITS: Limits = { dailyLimitUsd: null, monthlyLimitUsd: null, maxConcurrent: null, requestsPerMinute: null };

/** Who made the change, as the audit trail records it (no API key: an operator at a shell). */
export interface Operator {
  /** e.g. "cli". */
  clientAddress: string;
  /** The operator's OS user, when known. */
  user: string | null;
}

/** A key as lists show it: never the hash, never the key. */
export interface KeyView {
  id: string;
  prefix: string;
  name: string;
  teamId: string;
  teamName: string;
  scopes: Scope[];
  limits: Limits;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  replacesId: string | null;
}

export interface TeamView {
  id: string;
  name: string;
  limits: Limits;
  activeKeys: number;
  revokedKeys: number;
  createdAt: Date;
}

/** An operator's mistake (unknown team, bad scope, ...): said plainly, nothing changed. */
export class ManageError extends Error {
  override readonly name = "ManageError";
}

export const TEAM_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const KEY_NAME_MAX = 100;

export interface ManageDeps {
  db: Db;
  clock: Clock;
  operator: Operator;
}

export async function createTeam(deps: ManageDeps, name: string, limits: Partial<Limits> = {}): Promise<TeamRow> {
  if (!TEAM_NAME_PATTERN.test(name)) {
    throw new ManageError(
      `Invalid team name "${name}": 1 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit.`,
    );
  }
  const now = deps.clock.now();
  const complete = { ...NO_LIMITS, ...limits };
  try {
    return await deps.db.$transaction(async (tx) => {
      const team = await tx.team.create({ data: { id: uuidv7(now), name, ...complete, createdAt: now, updatedAt: now } });
      await audit(tx, deps, {
        action: "TEAM_CREATED",
        subjectType: "Team",
        subjectId: team.id,
        details: { teamId: team.id, teamName: name, limits: complete },
      });
      return team;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new ManageError(`A team named "${name}" already exists.`);
    throw error;
  }
}

export async function listTeams(db: Db): Promise<TeamView[]> {
  const teams = await db.team.findMany({ orderBy: { name: "asc" } });
  const keys = await db.apiKey.findMany({ select: { teamId: true, revokedAt: true } });
  return teams.map((team) => ({
    id: team.id,
    name: team.name,
    limits: limitsOf(team),
    activeKeys: keys.filter((key) => key.teamId === team.id && key.revokedAt === null).length,
    revokedKeys: keys.filter((key) => key.teamId === team.id && key.revokedAt !== null).length,
    createdAt: team.createdAt,
  }));
}

export async function findTeam(db: Db, name: string): Promise<TeamRow> {
  const team = await db.team.findUnique({ where: { name } });
  if (!team) throw new ManageError(`No team named "${name}". Create it first: npm run keys -- team create ${name}`);
  return team;
}

/** Changes a team's limits (only those in `patch`); BUDGET_CHANGED with the old and new values. */
export async function setTeamBudget(
  deps: ManageDeps,
  name: string,
  patch: Partial<Limits>,
): Promise<{ team: TeamRow; changed: boolean; old: Limits; new: Limits }> {
  const team = await findTeam(deps.db, name);
  return deps.db.$transaction(async (tx) => {
    // Re-read inside the transaction: the old values recorded are the ones replaced.
    const current = await tx.team.findUniqueOrThrow({ where: { id: team.id } });
    const old = limitsOf(current);
    const next = { ...old, ...patch };
    if (sameLimits(old, next)) return { team: current, changed: false, old, new: next };
    const updated = await tx.team.update({ where: { id: team.id }, data: { ...next, updatedAt: deps.clock.now() } });
    await audit(tx, deps, {
      action: "BUDGET_CHANGED",
      subjectType: "Team",
      subjectId: team.id,
      details: { teamId: team.id, teamName: team.name, old, new: next },
    });
    return { team: updated, changed: true, old, new: next };
  });
}

export interface CreatedKey {
  /** Shown once. */
  key: string;
  view: KeyView;
}

export async function createKey(
  deps: ManageDeps,
  input: { team: string; name: string; scopes: string; limits?: Partial<Limits> },
): Promise<CreatedKey> {
  const team = await findTeam(deps.db, input.team);
  const name = input.name.trim();
  if (name.length === 0 || name.length > KEY_NAME_MAX || /[\p{Cc}]/u.test(name)) {
    throw new ManageError(`Invalid key name: 1 to ${KEY_NAME_MAX} printable characters.`);
  }
  const scopes = scopesFrom(input.scopes);
  const limits = { ...NO_LIMITS, ...input.limits };
  const now = deps.clock.now();
  const minted = mintApiKey();
  const row = await deps.db.$transaction(async (tx) => {
    const created = await tx.apiKey.create({
      data: {
        id: uuidv7(now),
        teamId: team.id,
        name,
        prefix: minted.prefix,
        hash: minted.hash,
        scopes: scopes.join(","),
        ...limits,
        createdAt: now,
      },
    });
    await audit(tx, deps, {
      action: "KEY_CREATED",
      subjectType: "ApiKey",
      subjectId: created.id,
      details: { keyId: created.id, prefix: created.prefix, name, teamId: team.id, teamName: team.name, scopes, limits },
    });
    return created;
  });
  return { key: minted.key, view: viewOf(row, team) };
}

export async function listKeys(db: Db, teamName?: string): Promise<KeyView[]> {
  const team = teamName === undefined ? null : await findTeam(db, teamName);
  const rows = await db.apiKey.findMany({
    where: team ? { teamId: team.id } : {},
    include: { team: true },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  return rows.map((row) => viewOf(row, row.team));
}

/** Revokes a key by its prefix: every request with it is UNAUTHENTICATED from now on. */
export async function revokeKey(deps: ManageDeps, prefixOrKey: string): Promise<KeyView> {
  const existing = await findKey(deps.db, prefixOrKey);
  const now = deps.clock.now();
  const row = await deps.db.$transaction(async (tx) => {
    // Guarded on "not yet revoked", so two revokes (or a revoke and a rotate) cannot both win.
    const { count } = await tx.apiKey.updateMany({ where: { id: existing.id, revokedAt: null }, data: { revokedAt: now } });
    if (count === 0) throw alreadyRevoked(existing);
    await audit(tx, deps, {
      action: "KEY_REVOKED",
      subjectType: "ApiKey",
      subjectId: existing.id,
      details: { keyId: existing.id, prefix: existing.prefix, name: existing.name, teamId: existing.teamId },
    });
    return tx.apiKey.findUniqueOrThrow({ where: { id: existing.id }, include: { team: true } });
  });
  return viewOf(row, row.team);
}

/**
 * A new key with the same team, name, scopes and limits (`replacesId` = the old one), and
 * the old one revoked, in one transaction: there is no moment with both or neither valid
 * to the database.
 */
export async function rotateKey(deps: ManageDeps, prefixOrKey: string): Promise<CreatedKey & { replaced: KeyView }> {
  const old = await findKey(deps.db, prefixOrKey);
  const now = deps.clock.now();
  const minted = mintApiKey();
  const { created, revoked } = await deps.db.$transaction(async (tx) => {
    const { count } = await tx.apiKey.updateMany({ where: { id: old.id, revokedAt: null }, data: { revokedAt: now } });
    if (count === 0) throw alreadyRevoked(old);
    const created = await tx.apiKey.create({
      data: {
        id: uuidv7(now),
        teamId: old.teamId,
        name: old.name,
        prefix: minted.prefix,
        hash: minted.hash,
        scopes: old.scopes,
        ...limitsOf(old),
        createdAt: now,
        replacesId: old.id,
      },
      include: { team: true },
    });
    await audit(tx, deps, {
      action: "KEY_ROTATED",
      subjectType: "ApiKey",
      subjectId: created.id,
      details: {
        keyId: created.id,
        prefix: created.prefix,
        replacesKeyId: old.id,
        replacesPrefix: old.prefix,
        name: old.name,
        teamId: old.teamId,
      },
    });
    const revoked = await tx.apiKey.findUniqueOrThrow({ where: { id: old.id }, include: { team: true } });
    return { created, revoked };
  });
  return { key: minted.key, view: viewOf(created, created.team), replaced: viewOf(revoked, revoked.team) };
}

/** Changes one key's own limits (on top of its team's); BUDGET_CHANGED with old and new. */
export async function setKeyBudget(
  deps: ManageDeps,
  prefixOrKey: string,
  patch: Partial<Limits>,
): Promise<{ key: KeyView; changed: boolean; old: Limits; new: Limits }> {
  const existing = await findKey(deps.db, prefixOrKey);
  return deps.db.$transaction(async (tx) => {
    const current = await tx.apiKey.findUniqueOrThrow({ where: { id: existing.id }, include: { team: true } });
    const old = limitsOf(current);
    const next = { ...old, ...patch };
    if (sameLimits(old, next)) return { key: viewOf(current, current.team), changed: false, old, new: next };
    const updated = await tx.apiKey.update({ where: { id: existing.id }, data: next, include: { team: true } });
    await audit(tx, deps, {
      action: "BUDGET_CHANGED",
      subjectType: "ApiKey",
      subjectId: existing.id,
      details: { keyId: existing.id, prefix: existing.prefix, teamId: existing.teamId, old, new: next },
    });
    return { key: viewOf(updated, updated.team), changed: true, old, new: next };
  });
}

/** Accepts a bare prefix, `sgw_live_<prefix>`, or (pasted by mistake) a whole key. */
export function prefixFrom(text: string): string | null {
  const match = /^(?:sgw_live_)?([0-9a-z]{8})(?:_.*)?$/.exec(text.trim());
  return match?.[1] ?? null;
}

async function findKey(db: Db, prefixOrKey: string): Promise<ApiKeyRow> {
  const prefix = prefixFrom(prefixOrKey);
  // Never echo the argument: it may be a whole key pasted by mistake.
  if (!prefix) throw new ManageError("That is not a key prefix: give the 8 characters after sgw_live_ (see `key list`).");
  const key = await db.apiKey.findUnique({ where: { prefix } });
  if (!key) throw new ManageError(`No key has the prefix ${prefix} (see \`key list\`).`);
  return key;
}

function alreadyRevoked(key: ApiKeyRow): ManageError {
  return new ManageError(`The key ${key.prefix} ("${key.name}") is already revoked.`);
}

function scopesFrom(text: string): Scope[] {
  let scopes: Scope[];
  try {
    scopes = parseScopes(text);
  } catch (error) {
    throw new ManageError((error as Error).message);
  }
  if (scopes.length === 0) throw new ManageError(`Give at least one scope: ${SCOPES.join(", ")}.`);
  return SCOPES.filter((scope) => scopes.includes(scope));
}

function limitsOf(row: Limits): Limits {
  return {
    dailyLimitUsd: row.dailyLimitUsd,
    monthlyLimitUsd: row.monthlyLimitUsd,
    maxConcurrent: row.maxConcurrent,
    requestsPerMinute: row.requestsPerMinute,
  };
}

function sameLimits(a: Limits, b: Limits): boolean {
  return LIMIT_FIELDS.every((field) => a[field] === b[field]);
}

function viewOf(row: ApiKeyRow, team: { id: string; name: string }): KeyView {
  return {
    id: row.id,
    prefix: row.prefix,
    name: row.name,
    teamId: team.id,
    teamName: team.name,
    scopes: parseScopes(row.scopes),
    limits: limitsOf(row),
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
    replacesId: row.replacesId,
  };
}

function audit(
  tx: Tx,
  deps: ManageDeps,
  record: { action: Parameters<typeof appendAudit>[2]["action"]; subjectType: string; subjectId: string; details: Record<string, unknown> },
) {
  return appendAudit(tx, deps.clock, {
    ...record,
    // An operator at a shell, not a key: no key, no team acts.
    actorKeyId: null,
    actorTeamId: null,
    clientAddress: deps.operator.clientAddress,
    details: { ...record.details, operator: deps.operator.user },
  });
}

