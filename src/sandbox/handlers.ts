import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { SEEDANCE_SLUG } from "../segmind/types";
import { type Job, type JobStore, jobTimings, toUsd } from "./jobs";
import { type Reply, bytesReply, errorReply, jsonReply } from "./reply";
import { type GenerationInput, validateGenerationBody } from "./validation";
import { renderVideo, renderedVideoSize, seedFromRequestId } from "./video";

/**
 * What each Segmind endpoint answers once the request has passed routing, faults, auth and
 * the rate limit. Billing happens here, in the same synchronous step as the balance check.
 */

export type PriceKey = "480p:5" | "480p:10" | "720p:5" | "720p:10";

/** A prompt containing this makes the job fail (v2: FAILED/422, v1: 500), unbilled. */
export const FAIL_MARKER = "sandbox:fail";
const FAILURE_MESSAGE = `Generation failed: content rejected by the model (${FAIL_MARKER})`;

export interface StandInStats {
  submitAttempts: number;
  submitsAccepted: number;
  /** Every v1 sync request received. */
  syncRuns: number;
  /** v1 sync runs that were billed (answered 200, or accepted and then dropped/truncated). */
  syncsBilled: number;
  /** v2 status and v1 legacy polls. */
  statusPolls: number;
  resultFetches: number;
  downloads: number;
  creditReads: number;
  /**
   * Keyed requests (everything but output downloads) per UTC clock minute, keyed by the
   * minute's start (ISO): what an account-wide requests-per-minute limit sees.
   */
  keyedRequestsPerMinute: Record<string, number>;
}

export interface SandboxContext {
  /** The stand-in's own origin, for the URLs it hands out. */
  origin: string;
  now: () => number;
  store: JobStore;
  pricesMicros: Record<PriceKey, number>;
  freeCreditsMicros: number;
  jobDurationMs: number;
  syncDelayMs: number;
  /** Zero bytes added to every output (in a `free` box), to stand in for large videos. */
  outputPaddingBytes: number;
  stats: StandInStats;
  modelRetired: boolean;
}

/** `POST /v2/{slug}`: charge, create the job, answer QUEUED. */
export async function submit(ctx: SandboxContext, body: unknown): Promise<Reply> {
  const admitted = admitGeneration(ctx, body);
  if (isReply(admitted)) return admitted;
  const { input, priceMicros } = admitted;
  if (!ctx.store.charge(priceMicros)) return insufficientCredits(ctx.store.balanceMicros(), priceMicros);

  const id = randomUUID();
  ctx.store.add({
    id,
    createdAtMs: ctx.now(),
    durationMs: ctx.jobDurationMs,
    input,
    seed: input.seed ?? seedFromRequestId(id),
    priceMicros,
    remainingAfterChargeMicros: ctx.store.balanceMicros(),
    fails: input.prompt.includes(FAIL_MARKER),
    refunded: false,
  });
  ctx.stats.submitsAccepted += 1;
  await ctx.store.persist();
  return jsonReply(200, { request_id: id, status: "QUEUED", ...requestUrls(ctx.origin, id) });
}

/** `GET /v2/requests/{id}/status` and the legacy `GET /v1/requests/{id}`. */
export function status(ctx: SandboxContext, id: string): Reply {
  const job = ctx.store.find(id);
  if (!job) return requestNotFound(id);
  const phase = ctx.store.phase(job);
  if (phase === "FAILED") return failedReply(job);
  if (phase === "COMPLETED") {
    job.doneReadAtMs ??= ctx.now();
    return jsonReply(200, { status: phase, request_id: id, metrics: { inference_time: jobTimings(job).inference_time } });
  }
  return jsonReply(200, { status: phase, request_id: id, ...requestUrls(ctx.origin, id), metrics: {} });
}

/** `GET /v2/requests/{id}`: the output once COMPLETED; the bare status before that. */
export function result(ctx: SandboxContext, id: string): Reply {
  const job = ctx.store.find(id);
  if (!job) return requestNotFound(id);
  const phase = ctx.store.phase(job);
  if (phase === "FAILED") return failedReply(job);
  if (phase !== "COMPLETED") {
    // Undocumented upstream; answering the status without output is the least surprising.
    return jsonReply(200, { status: phase, error: null, request_id: id, output: null, metrics: {} });
  }
  const url = outputUrl(ctx.origin, id);
  return jsonReply(200, {
    status: "COMPLETED",
    error: null,
    request_id: id,
    output: url,
    video: {
      url,
      content_type: "video/mp4",
      file_name: `${id}.mp4`,
      file_size: String(renderedVideoSize(job.input, job.seed, ctx.outputPaddingBytes)),
    },
    seed: job.seed,
    prompt: job.input.prompt,
    metrics: {
      cost: toUsd(job.priceMicros),
      remaining_credits: toUsd(job.remainingAfterChargeMicros),
      ...jobTimings(job),
    },
  });
}

/**
 * `POST /v1/{slug}`: generate for `syncDelayMs`, then answer the bytes. Billed only when the
 * 200 goes out. Resolves undefined when the client left (or the stand-in closed) meanwhile.
 */
export async function runSync(ctx: SandboxContext, body: unknown, abandoned: AbortSignal): Promise<Reply | undefined> {
  const admitted = admitGeneration(ctx, body);
  if (isReply(admitted)) return admitted;
  const { input, priceMicros } = admitted;
  const requestId = randomUUID();
  const seed = input.seed ?? seedFromRequestId(requestId);

  try {
    await sleep(ctx.syncDelayMs, undefined, { signal: abandoned });
  } catch {
    return undefined;
  }
  if (input.prompt.includes(FAIL_MARKER)) return errorReply(500, FAILURE_MESSAGE, { "x-request-id": requestId });
  if (!ctx.store.charge(priceMicros)) return insufficientCredits(ctx.store.balanceMicros(), priceMicros);
  ctx.stats.syncsBilled += 1;
  await ctx.store.persist();

  return bytesReply(200, "video/mp4", renderVideo(input, seed, ctx.outputPaddingBytes), {
    "x-request-id": requestId,
    "x-seed-value": String(seed),
    "x-cost": String(toUsd(priceMicros)),
    "x-remaining-credits": String(toUsd(ctx.store.balanceMicros())),
    "x-generation-time": String(ctx.syncDelayMs / 1000),
  });
}

/** `GET /v1/get-user-credits`. */
export function credits(ctx: SandboxContext): Reply {
  return jsonReply(200, { credits: toUsd(ctx.store.balanceMicros()), "free-credits": toUsd(ctx.freeCreditsMicros) });
}

/** `GET /outputs/{id}.mp4`: the public file (stands in for images.segmind.com; no key). */
export function download(ctx: SandboxContext, id: string): Reply {
  const job = ctx.store.findOutput(id);
  if (!job) {
    // Object storage answers a missing key with an XML error, not Segmind's JSON envelope.
    const xml = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>${id}.mp4</Key></Error>`;
    return bytesReply(404, "application/xml", Buffer.from(xml, "utf8"));
  }
  return bytesReply(200, "video/mp4", renderVideo(job.input, job.seed, ctx.outputPaddingBytes));
}

export function outputUrl(origin: string, id: string): string {
  return `${origin}/outputs/${id}.mp4`;
}

function requestUrls(origin: string, id: string) {
  return {
    poll_url: `${origin}/v1/requests/${id}`,
    status_url: `${origin}/v2/requests/${id}/status`,
    response_url: `${origin}/v2/requests/${id}`,
  };
}

/** Checks shared by v1 and v2 before anything is billed: the input and its price, or the refusal. */
function admitGeneration(ctx: SandboxContext, body: unknown): { input: GenerationInput; priceMicros: number } | Reply {
  if (ctx.modelRetired) return errorReply(410, `Model ${SEEDANCE_SLUG} has been retired and is no longer available`);
  const validation = validateGenerationBody(body);
  if (!validation.ok) return errorReply(400, validation.error);
  const { input } = validation;
  const priceMicros = ctx.pricesMicros[`${input.resolution}:${input.duration}`];
  const balance = ctx.store.balanceMicros();
  if (balance < priceMicros) return insufficientCredits(balance, priceMicros);
  return { input, priceMicros };
}

function isReply(value: object): value is Reply {
  return "status" in value;
}

function insufficientCredits(balanceMicros: number, priceMicros: number): Reply {
  return errorReply(406, `Insufficient credits. Balance $${toUsd(balanceMicros)}, required $${toUsd(priceMicros)}`);
}

function requestNotFound(id: string): Reply {
  return errorReply(404, `Request ${id} not found`);
}

/** FAILED answers carry timings but no cost fields: a failed job is not billed. */
function failedReply(job: Job): Reply {
  return jsonReply(422, { status: "FAILED", error: FAILURE_MESSAGE, metrics: jobTimings(job), request_id: job.id });
}
