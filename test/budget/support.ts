import { mintApiKey } from "../../src/auth/api-keys";
import type { Db } from "../../src/db/client";
import { uuidv7 } from "../../src/ids";
import { type Harness, localId } from "../support/harness";

export interface Limits {
  dailyLimitUsd?: number | null;
  monthlyLimitUsd?: number | null;
  maxConcurrent?: number | null;
  requestsPerMinute?: number | null;
}

export interface TestTeam {
  teamId: string;
  keyId: string;
  /** The key in clear, for `Authorization: Bearer`. */
  key: string;
}

let teams = 0;

/** A team with one key, written straight to the database (no CLI, no audit). */
export async function makeTeam(db: Db, limits: Limits = {}, keyLimits: Limits = {}, scopes = "generate,read"): Promise<TestTeam> {
  const now = new Date();
  teams += 1;
  const team = await db.team.create({
    data: { id: uuidv7(now), name: `budget-team-${teams}-${now.getTime()}`, ...limits, createdAt: now, updatedAt: now },
  });
  const key = await addKey(db, team.id, keyLimits, scopes);
  return { teamId: team.id, ...key };
}

export async function addKey(db: Db, teamId: string, limits: Limits = {}, scopes = "generate,read") {
  const now = new Date();
  const minted = mintApiKey();
  const row = await db.apiKey.create({
    data: {
      id: uuidv7(now),
      teamId,
      name: `key-${minted.prefix}`,
      prefix: minted.prefix,
      hash: minted.hash,
      scopes,
      ...limits,
      createdAt: now,
    },
  });
  return { keyId: row.id, key: minted.key };
}

export const GENERATE = `
  mutation Generate($input: GenerateVideoInput!) {
    generateVideo(input: $input) {
      __typename
      ... on GenerateVideoPayload { replayed generation { id status estimatedCostUsd costUsd } }
      ... on Error { code message }
      ... on BudgetExceededError { limit scope limitValue used spentUsd heldUsd estimateUsd resetsAt }
      ... on BusyError { retryAfterMs }
    }
  }
`;

export const BUDGET_FIELDS = `
  dailyLimitUsd monthlyLimitUsd spentTodayUsd spentThisMonthUsd heldUsd remainingTodayUsd
  remainingThisMonthUsd maxConcurrent activeGenerations requestsPerMinute requestsInLastMinute
  dayResetsAt monthResetsAt
`;

export const CREDITS = `
  query Credits { credits { team { id name budget { ${BUDGET_FIELDS} } } keyBudget { ${BUDGET_FIELDS} } } }
`;

export const LEDGER = `
  query Ledger($first: Int, $after: String, $teamId: ID, $generationId: ID) {
    credits {
      ledger(first: $first, after: $after, teamId: $teamId, generationId: $generationId) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { cursor node { id kind amountUsd at teamId apiKeyId basis generationId generation { id status } } }
      }
    }
  }
`;

let seeds = 0;

/** A valid input; each call a new seed, so no two requests are the same. */
export function input(patch: Record<string, unknown> = {}) {
  seeds += 1;
  return {
    prompt: `A paper boat drifts across a rain puddle, take ${seeds}`,
    imageUrl: "https://images.example.com/first-frame.png",
    duration: 5,
    resolution: "SD_480P",
    seed: 1000 + seeds,
    ...patch,
  };
}

/**
 * generateVideo as `key`; returns the result object (payload or typed error). A BusyError (the
 * team's requests queued past the wait for the budget lock, on a loaded machine) is retried
 * after its retryAfterMs, as a client would: nothing was stored, and the budget's answer is
 * what these tests are about. test/budget/contention.test.ts looks at BusyError itself.
 */
export async function generateAs(harness: Harness, key: string | null, patch: Record<string, unknown> = {}) {
  const variables = { input: input(patch) };
  for (let attempt = 1; ; attempt += 1) {
    const result = await harness.gqlAs(key, GENERATE, variables);
    if (result.errors) throw new Error(`generateVideo failed: ${JSON.stringify(result.errors)}`);
    const answer = result.data.generateVideo;
    if (answer.__typename !== "BusyError" || attempt === 20) return answer;
    await new Promise((resolve) => setTimeout(resolve, answer.retryAfterMs));
  }
}

/** The database id of a created generation. */
export function createdId(result: any): string {
  if (result.__typename !== "GenerateVideoPayload") throw new Error(`not created: ${JSON.stringify(result)}`);
  return localId(result.generation.id);
}

/** A generation's ledger entries, oldest first, as [kind, amount]. */
export async function ledgerOf(db: Db, generationId: string): Promise<Array<[string, number]>> {
  const entries = await db.ledgerEntry.findMany({ where: { generationId }, orderBy: { id: "asc" } });
  return entries.map((entry) => [entry.kind, entry.amountUsd]);
}
