// A typed client of seedance-gateway, end to end: submit a generation, follow it live over SSE
// (graphql-sse), download the video and check it against the sha256 the gateway recorded.
//
//   GATEWAY_URL=http://localhost:4000 [SEEDANCE_API_KEY=sgw_live_...] node dist/main.js
//
// Optional: PROMPT, IMAGE_URL, DURATION (5|10), RESOLUTION (SD_480P|HD_720P), SEED, OUT_DIR.
// The last line it prints is a JSON summary. Exit codes: 0 video saved, 1 the generation
// ended without a video, 2 the request was refused (typed error), 3 anything else.
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createClient } from "graphql-sse";
import type {
  GenerationErrorCode,
  GenerationUpdatedSubscription,
  GenerationUpdatedSubscriptionVariables,
  Resolution,
  TypedDocumentString,
} from "./gql/graphql.js";
import { GenerateVideo, GenerationUpdated } from "./operations.js";

const gateway = (process.env.GATEWAY_URL ?? "http://localhost:4000").replace(/\/+$/, "");
const endpoint = `${gateway}/graphql`;
const apiKey = process.env.SEEDANCE_API_KEY;
const headers: Record<string, string> = apiKey ? { authorization: `Bearer ${apiKey}` } : {};

class Refused extends Error {}

/** One query or mutation over HTTP: typed by its document, nothing else needed. */
async function request<Result, Variables>(document: TypedDocumentString<Result, Variables>, variables: Variables): Promise<Result> {
  const response = await fetch(endpoint, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json", ...headers },
    body: JSON.stringify({ query: document.toString(), variables }),
  });
  const body = (await response.json()) as { data?: Result | null; errors?: Array<{ message: string; extensions?: { code?: string } }> };
  if (!body.data) {
    const first = body.errors?.[0];
    throw new Refused(`HTTP ${response.status} ${first?.extensions?.code ?? ""}: ${first?.message ?? "no data"}`);
  }
  return body.data;
}

/**
 * Whether a failed generation is worth asking for again. A switch over every code of the
 * schema's GenerationErrorCode enum: when the gateway adds a code, `npm run codegen` adds it
 * to the type and this stops compiling until the new code is decided.
 */
function worthRetrying(code: GenerationErrorCode): boolean {
  switch (code) {
    case "RATE_LIMITED":
    case "UPSTREAM_UNAVAILABLE":
    case "UPSTREAM_UNREACHABLE":
    case "UPSTREAM_OUTAGE":
    case "UPSTREAM_JOB_FAILED":
    case "UPSTREAM_REQUEST_EXPIRED":
    case "UPSTREAM_DEADLINE_EXCEEDED":
    case "RESULT_DOWNLOAD_FAILED":
    case "RESULT_LOST":
    case "SUBMIT_OUTCOME_UNKNOWN":
    case "SUBMIT_INTERRUPTED":
    case "DEADLINE_EXCEEDED":
      return true;
    case "UPSTREAM_UNAUTHORIZED":
    case "UPSTREAM_FORBIDDEN":
    case "INSUFFICIENT_CREDITS":
    case "UPSTREAM_BAD_REQUEST":
    case "UPSTREAM_REJECTED_INPUT":
    case "MODEL_NOT_FOUND":
    case "UPSTREAM_METHOD_NOT_ALLOWED":
    case "MODEL_RETIRED":
    case "INTERNAL_INCONSISTENCY":
    case "CANCELED":
      return false;
    default: {
      const unhandled: never = code;
      throw new Error(`unknown error code ${String(unhandled)}`);
    }
  }
}

async function submit(): Promise<string> {
  const input = {
    prompt: process.env.PROMPT ?? "A paper boat drifts across a rain puddle at dawn",
    imageUrl: process.env.IMAGE_URL ?? "https://example.com/first-frame.png",
    duration: Number(process.env.DURATION ?? 5),
    resolution: (process.env.RESOLUTION ?? "SD_480P") as Resolution,
    seed: process.env.SEED ? Number(process.env.SEED) : null,
  };
  const { generateVideo: result } = await request(GenerateVideo, { input });
  // Every member of the GenerateVideoResult union, checked by the compiler.
  switch (result.__typename) {
    case "GenerateVideoPayload":
      console.log(`queued ${result.generation.id} (seed ${result.generation.seed}, ~$${result.generation.estimatedCostUsd})`);
      return result.generation.id;
    case "InvalidInputError":
      throw new Refused(`invalid input: ${result.fields.map((problem) => `${problem.field} ${problem.message}`).join("; ")}`);
    case "BudgetExceededError":
      throw new Refused(`over the ${result.scope.toLowerCase()}'s ${result.limit} limit (this one: $${result.estimateUsd}); resets ${result.resetsAt ?? "when one finishes"}`);
    case "IdempotencyConflictError":
      throw new Refused(`${result.code}: the key belongs to ${result.existingGenerationId}`);
    case "BusyError":
      throw new Refused(`${result.code}: retry in ${result.retryAfterMs} ms`);
    default: {
      const unhandled: never = result;
      throw new Error(`unexpected result ${JSON.stringify(unhandled)}`);
    }
  }
}

type Generation = GenerationUpdatedSubscription["generationUpdated"]["generation"];

/** Follows one generation over SSE until its final state: its history first (after: 0), then live. */
async function follow(id: string): Promise<{ updates: number; generation: Generation }> {
  const client = createClient({ url: endpoint, headers, retryAttempts: 3 });
  const variables: GenerationUpdatedSubscriptionVariables = { id, after: 0 };
  let generation: Generation | null = null;
  let updates = 0;
  try {
    for await (const result of client.iterate<GenerationUpdatedSubscription>({ query: GenerationUpdated.toString(), variables })) {
      if (result.errors?.length) throw new Refused(result.errors.map((error) => error.message).join("; "));
      const update = result.data?.generationUpdated;
      if (!update) continue;
      updates += 1;
      generation = update.generation;
      const queue = generation.queuePosition ? ` #${generation.queuePosition} in queue` : "";
      console.log(`${update.kind.padEnd(8)} ${generation.status.padEnd(10)} ${(update.progress * 100).toFixed(0).padStart(3)}%${queue}`);
    }
  } finally {
    client.dispose();
  }
  if (!generation) throw new Error("the subscription ended without an update");
  return { updates, generation };
}

/** Streams the video to disk, hashing it on the way. */
async function download(url: string, file: string): Promise<{ bytes: number; sha256: string }> {
  const response = await fetch(url);
  if (!response.ok || !response.body) throw new Error(`GET ${url}: HTTP ${response.status}`);
  const hash = createHash("sha256");
  let bytes = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(Readable.fromWeb(response.body as Parameters<typeof Readable.fromWeb>[0]), count, createWriteStream(file));
  return { bytes, sha256: hash.digest("hex") };
}

async function main(): Promise<number> {
  const id = await submit();
  const { updates, generation } = await follow(id);
  if (generation.status !== "SUCCEEDED" || !generation.resultUrl) {
    const code = generation.errorCode;
    console.log(`ended ${generation.status}: ${code} ${generation.errorMessage ?? ""}`);
    console.log(JSON.stringify({ id, status: generation.status, errorCode: code, retry: code ? worthRetrying(code) : false, updates }));
    return 1;
  }
  const outDir = process.env.OUT_DIR ?? ".";
  await mkdir(outDir, { recursive: true });
  const file = join(outDir, `seed-${generation.seed}-${id.replace(/[^A-Za-z0-9]/g, "").slice(-12)}.mp4`);
  const saved = await download(generation.resultUrl, file);
  if (saved.sha256 !== generation.videoSha256) throw new Error(`downloaded ${saved.sha256}, the gateway recorded ${generation.videoSha256}`);
  console.log(`saved ${file} (${saved.bytes} bytes, sha256 verified, $${generation.costUsd}, ${generation.latencyMs} ms)`);
  console.log(
    JSON.stringify({
      id,
      status: generation.status,
      seed: generation.seed,
      duration: generation.duration,
      resolution: generation.resolution,
      file,
      bytes: saved.bytes,
      sha256: saved.sha256,
      updates,
    }),
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(error instanceof Refused ? 2 : 3);
  },
);
