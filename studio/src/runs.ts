import { useEffect, useState } from "preact/hooks";
import { ApiError, execute, snippet } from "./api";
import {
  type GenerateVideoInput,
  type StudioGenerateMutation,
  StudioGenerateDocument,
  type StudioRegenerateMutation,
  StudioRegenerateDocument,
} from "./gql/graphql";
import { usd } from "./format";
import { noteSequence, upsert } from "./store";

/**
 * The runs started from this page: a single take, a seed sweep (one prompt, several seeds,
 * side by side) or a regeneration. Each keeps the snippet of the requests it sent.
 */

export interface Run {
  key: number;
  title: string;
  kind: "single" | "sweep" | "regenerate";
  ids: string[];
  /** Why a take of the run was refused (a sweep goes on with the next seed only if it may). */
  problems: string[];
  snippet: string;
}

/** What the form shows next to its fields and its budget panel after a refusal. */
export interface Refusal {
  fields: Record<string, string>;
  budget?: string;
  form?: string;
  /** The key itself was refused (401): shown next to the key field. */
  key?: string;
}

type GenerateResult = StudioGenerateMutation["generateVideo"];
type RegenerateResult = StudioRegenerateMutation["regenerateVideo"];

let runs: Run[] = [];
let nextKey = 1;
const listeners = new Set<() => void>();
const changed = () => {
  for (const listener of listeners) listener();
};

export function useRuns(): Run[] {
  const [, setVersion] = useState(0);
  useEffect(() => {
    const listener = () => setVersion((version) => version + 1);
    listeners.add(listener);
    return () => listeners.delete(listener);
  }, []);
  return runs;
}

function addRun(run: Omit<Run, "key">): Run {
  const created = { ...run, key: nextKey++ };
  runs = [created, ...runs];
  changed();
  return created;
}

function updateRun(key: number, patch: Partial<Run>): void {
  runs = runs.map((run) => (run.key === key ? { ...run, ...patch } : run));
  changed();
}

/** Turns any typed result into what the form shows, or records the new take. */
function outcome(result: GenerateResult | RegenerateResult): { id?: string; refusal?: Refusal } {
  switch (result.__typename) {
    case "GenerateVideoPayload":
    case "RegenerateVideoPayload": {
      const { generation } = result;
      for (const event of generation.events) noteSequence(event.sequence);
      upsert(generation);
      return { id: generation.id };
    }
    case "InvalidInputError":
      return {
        refusal: { fields: Object.fromEntries(result.fields.map((problem) => [problem.field, problem.message])) },
      };
    case "BudgetExceededError": {
      const whose = result.scope === "TEAM" ? "the team's" : "this key's";
      const dollars = result.limit === "DAILY_USD" || result.limit === "MONTHLY_USD";
      const limitText = {
        DAILY_USD: "daily budget",
        MONTHLY_USD: "monthly budget",
        CONCURRENT: "limit on generations at once",
        REQUESTS_PER_MINUTE: "limit on generations per minute",
      }[result.limit];
      const amounts = dollars
        ? `${usd(result.used)} of ${usd(result.limitValue)} is spent or held; this one would cost ${usd(result.estimateUsd)}`
        : `${result.used} of ${result.limitValue} in use`;
      const resets = result.resetsAt ? ` It frees up at ${new Date(result.resetsAt).toLocaleString()}.` : "";
      return { refusal: { fields: {}, budget: `Refused: over ${whose} ${limitText} (${amounts}). Nothing was sent or charged.${resets}` } };
    }
    case "IdempotencyConflictError":
      return { refusal: { fields: { idempotencyKey: result.message } } };
    case "BusyError":
      return { refusal: { fields: {}, form: `${result.message} (retry in ${Math.ceil(result.retryAfterMs / 1000)} s)` } };
    default:
      return { refusal: { fields: {}, form: `${result.code}: ${result.message}` } };
  }
}

function thrown(error: unknown): Refusal {
  if (error instanceof ApiError && (error.status === 401 || error.code === "UNAUTHENTICATED")) {
    return { fields: {}, key: `The gateway did not accept this key: ${error.message}` };
  }
  if (error instanceof ApiError && error.code === "FORBIDDEN") return { fields: {}, key: error.message };
  return { fields: {}, form: error instanceof Error ? error.message : String(error) };
}

async function generateOne(input: GenerateVideoInput): Promise<{ id?: string; refusal?: Refusal }> {
  try {
    const { generateVideo } = await execute(StudioGenerateDocument, { input });
    return outcome(generateVideo);
  } catch (error) {
    return { refusal: thrown(error) };
  }
}

/** One take. A refusal starts no run: the form shows it where it belongs. */
export async function generate(input: GenerateVideoInput): Promise<Refusal | null> {
  const { id, refusal } = await generateOne(input);
  if (refusal || !id) return refusal ?? { fields: {}, form: "No generation came back" };
  addRun({
    title: input.prompt,
    kind: "single",
    ids: [id],
    problems: [],
    snippet: snippet(StudioGenerateDocument, { input }),
  });
  return null;
}

/**
 * Several seeds of one input, side by side. Sent one after another, so the budget sees them
 * in order; the first refusal stops the sweep and is shown (with the takes already made).
 */
export async function sweep(input: GenerateVideoInput, seeds: number[]): Promise<Refusal | null> {
  const inputs = seeds.map((seed) => ({
    ...input,
    seed,
    idempotencyKey: input.idempotencyKey ? `${input.idempotencyKey}-seed-${seed}` : input.idempotencyKey,
  }));
  const first = await generateOne(inputs[0] as GenerateVideoInput);
  if (first.refusal || !first.id) return first.refusal ?? { fields: {}, form: "No generation came back" };
  const run = addRun({
    title: `${input.prompt} — seeds ${seeds.join(", ")}`,
    kind: "sweep",
    ids: [first.id],
    problems: [],
    snippet: inputs.map((each) => snippet(StudioGenerateDocument, { input: each })).join("\n"),
  });
  const ids = [first.id];
  for (const each of inputs.slice(1)) {
    const { id, refusal } = await generateOne(each);
    if (!id) {
      const why = refusal?.budget ?? refusal?.form ?? Object.values(refusal?.fields ?? {}).join("; ");
      updateRun(run.key, { problems: [`Seed ${each.seed}: ${why}`] });
      return refusal ?? null;
    }
    ids.push(id);
    updateRun(run.key, { ids: [...ids] });
  }
  return null;
}

/** The same generation again: the same seed unless `seed` is given. */
export async function regenerate(id: string, seed?: number): Promise<Refusal | null> {
  const variables = { id, overrides: seed === undefined ? null : { seed } };
  try {
    const { regenerateVideo } = await execute(StudioRegenerateDocument, variables);
    const result = outcome(regenerateVideo);
    if (result.refusal || !result.id) return result.refusal ?? { fields: {}, form: "No generation came back" };
    addRun({
      title: seed === undefined ? "Regenerated with the same seed" : `Regenerated with seed ${seed}`,
      kind: "regenerate",
      ids: [result.id],
      problems: [],
      snippet: snippet(StudioRegenerateDocument, variables),
    });
    return null;
  } catch (error) {
    return thrown(error);
  }
}

/** Distinct seeds for a sweep: from `start` upwards, or drawn at random (1..999999). */
export function sweepSeeds(count: number, start: number | null): number[] {
  if (start !== null) return Array.from({ length: count }, (_, i) => ((start - 1 + i) % 999_999) + 1);
  const seeds = new Set<number>();
  const random = new Uint32Array(1);
  while (seeds.size < count) {
    crypto.getRandomValues(random);
    seeds.add(((random[0] as number) % 999_999) + 1);
  }
  return [...seeds];
}
