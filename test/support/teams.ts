import { type Limits, type ManageDeps, createKey, createTeam } from "../../src/auth/manage";
import { systemClock } from "../../src/clock";
import type { Db } from "../../src/db/client";

/** What an operator would do with the CLI, in-process: a team and its keys. */
export function manageDeps(db: Db): ManageDeps {
  return { db, clock: systemClock, operator: { clientAddress: "test", user: "vitest" } };
}

export interface SeededTeam {
  id: string;
  name: string;
  /** Key (in clear) by label. */
  keys: Record<string, string>;
  prefixes: Record<string, string>;
}

/** Creates a team with one key per entry of `keys` (label -> comma-separated scopes). */
export async function seedTeam(
  db: Db,
  name: string,
  keys: Record<string, string>,
  limits: Partial<Limits> = {},
): Promise<SeededTeam> {
  const deps = manageDeps(db);
  const team = await createTeam(deps, name, limits);
  const seeded: SeededTeam = { id: team.id, name, keys: {}, prefixes: {} };
  for (const [label, scopes] of Object.entries(keys)) {
    const created = await createKey(deps, { team: name, name: label, scopes });
    seeded.keys[label] = created.key;
    seeded.prefixes[label] = created.view.prefix;
  }
  return seeded;
}
