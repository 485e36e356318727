import type { Readable } from "node:stream";
import type { SegmindErrorKind } from "./errors";

/** The model this gateway fronts. */
export const SEEDANCE_SLUG = "seedance-v1-lite-image-to-video";

/** The JSON body Segmind takes for the Seedance slug, on v1 and v2 alike. */
export interface SeedanceRequestBody {
  prompt: string;
  image_url: string;
  duration: 5 | 10;
  resolution: "480p" | "720p";
  seed: number;
  camera_fixed: boolean;
}

/** One HTTP exchange with Segmind, as the event history records it. Never holds the key. */
export interface UpstreamCall {
  method: "GET" | "POST";
  /** Path only (no host, no query with secrets), e.g. `/v2/requests/<id>/status`. */
  path: string;
  /** null when no HTTP response arrived (timeout, refused, dropped). */
  httpStatus: number | null;
  durationMs: number;
  /** The typed error kind when the call failed. */
  errorKind?: SegmindErrorKind;
  /** Upstream request id when the exchange revealed one. */
  requestId?: string;
}

export interface CallOptions {
  /** Called once per HTTP exchange, success or failure, before the method settles. */
  onCall?: (call: UpstreamCall) => void;
  signal?: AbortSignal;
}

export type UpstreamJobStatus = "QUEUED" | "PROCESSING" | "COMPLETED" | "FAILED";

export interface SubmitAccepted {
  requestId: string;
}

export interface JobStatus {
  status: UpstreamJobStatus;
  /** Upstream's message when FAILED. */
  error?: string;
}

export interface JobResult {
  /** URL of the output video on Segmind's storage (expires after days). */
  outputUrl: string;
  contentType?: string;
  fileSize?: number;
  seed?: number;
  costUsd?: number;
  remainingCreditsUsd?: number;
  inferenceTimeS?: number;
  /** Segmind's whole time for the job, queue included (metrics.total_time), when it reports one. */
  totalTimeS?: number;
}

export interface SyncResult {
  /** The video bytes as they stream in; the caller must consume or destroy it. */
  body: Readable;
  contentType: string;
  contentLength?: number;
  requestId?: string;
  seed?: number;
  costUsd?: number;
  remainingCreditsUsd?: number;
  generationTimeS?: number;
}

export interface Download {
  body: Readable;
  contentType: string;
  contentLength?: number;
}

export interface CreditsBalance {
  credits: number;
  freeCredits: number;
}

/**
 * A typed client for Segmind. Every method makes exactly ONE HTTP attempt with a timeout;
 * retry policy belongs to the caller (the worker), which knows whether a call is billed.
 * Failures throw `SegmindError` (see ./errors.ts).
 */
export interface SegmindClient {
  readonly baseUrl: string;
  readonly modelSlug: string;
  /** v2 async submit: `POST /v2/{slug}`. Billed when accepted. */
  submit(body: SeedanceRequestBody, options?: CallOptions): Promise<SubmitAccepted>;
  /** `GET /v2/requests/{id}/status`. FAILED (HTTP 422) resolves with status FAILED. */
  getStatus(requestId: string, options?: CallOptions): Promise<JobStatus>;
  /** `GET /v2/requests/{id}` once COMPLETED. */
  getResult(requestId: string, options?: CallOptions): Promise<JobResult>;
  /** v1 sync: `POST /v1/{slug}`; resolves once headers arrive, body streams. Billed on 200. */
  runSync(body: SeedanceRequestBody, options?: CallOptions): Promise<SyncResult>;
  /** Streams an output file (public URL, no key sent). */
  download(url: string, options?: CallOptions): Promise<Download>;
  /** `GET /v1/get-user-credits`. */
  getCredits(options?: CallOptions): Promise<CreditsBalance>;
}
