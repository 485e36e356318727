import { useEffect, useState } from "preact/hooks";
import { ApiError, execute, snippet } from "./api";
import {
  type GenerateVideoInput,
  type StudioGenerateBatchMutation,
  StudioGenerateBatchDocument,
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
  /** Problems to show with the run's takes. */
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
type BatchResult = StudioGenerateBatchMutation["generateVideos"];

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

/** Turns any typed result into what the form shows, or records the new takes. */
function outcome(result: GenerateResult | RegenerateResult | BatchResult): { ids?: string[]; refusal?: Refusal } {
  switch (result.__typename) {
    case "GenerateVideoPayload":
    case "RegenerateVideoPayload":
    case "GenerateVideosPayload": {
      const generations = "generations" in result ? result.generations : [result.generation];
      for (const generation of generations) {
        for (const event of generation.events) noteSequence(event.sequence);
        upsert(generation);
      }
      return { ids: generations.map((generation) => generation.id) };
    }
    case "InvalidInputError": {
      // A sweep's one item carries the form's fields (and its key is the batch's); the batch's
      // other fields (its seeds) have no input of their own and show on the form.
      const onForm = (problem: { field: string; itemIndex?: number | null }) =>
        "itemIndex" in problem && problem.itemIndex == null && problem.field !== "idempotencyKey";
      const batchProblems = result.fields.filter(onForm).map((problem) => `${problem.field}: ${problem.message}`);
      return {
        refusal: {
          fields: Object.fromEntries(result.fields.filter((p) => !onForm(p)).map((problem) => [problem.field, problem.message])),
          ...(batchProblems.length > 0 ? { form: batchProblems.join("; ") } : {}),
        },
      };
    }
    case "BudgetExceededError": {
      const whose = result.scope === "TEAM" ? "the team's" : "this key's";
      const dollars = result.limit === "DAILY_USD" || result.limit === "MONTHLY_USD";
      const limitText = {
        DAILY_USD: "daily budget",
        MONTHLY_USD: "monthly budget",
        CONCURRENT: "limit on generations at once",
        REQUESTS_PER_MINUTE: "limit on generations per minute",
      }[result.limit];
      const many = "requestedGenerations" in result && result.requestedGenerations > 1 ? result.requestedGenerations : null;
      const amounts = dollars
        ? `${usd(result.used)} of ${usd(result.limitValue)} is spent or held; ${many ? `these ${many} would cost` : "this one would cost"} ${usd(result.estimateUsd)}`
        : `${result.used} of ${result.limitValue} in use${many ? `; this sweep adds ${many}` : ""}`;
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

async function generateOne(input: GenerateVideoInput): Promise<{ ids?: string[]; refusal?: Refusal }> {
  try {
    const { generateVideo } = await execute(StudioGenerateDocument, { input });
    return outcome(generateVideo);
  } catch (error) {
    return { refusal: thrown(error) };
  }
}

/** One take. A refusal starts no run: the form shows it where it belongs. */
export async function generate(input: GenerateVideoInput): Promise<Refusal | null> {
  const { ids, refusal } = await generateOne(input);
  const id = ids?.[0];
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
 * Several seeds of one input, side by side: one generateVideos batch (a seed sweep), so the
 * budget sees all of them at once and a sweep is accepted or refused whole. The form's
 * idempotency key becomes the batch's.
 */
export async function sweep(input: GenerateVideoInput, seeds: number[]): Promise<Refusal | null> {
  const variables = {
    input: {
      items: [{ ...input, seed: null, idempotencyKey: null }],
      seeds,
      idempotencyKey: input.idempotencyKey ?? null,
    },
  };
  let answer: { ids?: string[]; refusal?: Refusal };
  try {
    answer = outcome((await execute(StudioGenerateBatchDocument, variables)).generateVideos);
  } catch (error) {
    answer = { refusal: thrown(error) };
  }
  if (answer.refusal || !answer.ids?.length) return answer.refusal ?? { fields: {}, form: "No generation came back" };
  addRun({
    title: `${input.prompt} — seeds ${seeds.join(", ")}`,
    kind: "sweep",
    ids: answer.ids,
    problems: [],
    snippet: snippet(StudioGenerateBatchDocument, variables),
  });
  return null;
}

/** The same generation again: the same seed unless `seed` is given. */
export async function regenerate(id: string, seed?: number): Promise<Refusal | null> {
  const variables = { id, overrides: seed === undefined ? null : { seed } };
  try {
    const { regenerateVideo } = await execute(StudioRegenerateDocument, variables);
    const result = outcome(regenerateVideo);
    const id = result.ids?.[0];
    if (result.refusal || !id) return result.refusal ?? { fields: {}, form: "No generation came back" };
    addRun({
      title: seed === undefined ? "Regenerated with the same seed" : `Regenerated with seed ${seed}`,
      kind: "regenerate",
      ids: [id],
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
