import { checkedBody } from "./checked-body";
import { type CallSite, errorForStatus, isObject, malformed, readErrorBody } from "./error-mapping";
import { SegmindError } from "./errors";
import { type ExchangeRequest, type ExchangeScope, exchange } from "./exchange";
import {
  type CallOptions,
  type CreditsBalance,
  type Download,
  type JobResult,
  type JobStatus,
  SEEDANCE_SLUG,
  type SeedanceRequestBody,
  type SegmindClient,
  type SyncResult,
  type UpstreamJobStatus,
} from "./types";

/**
 * The real Segmind client: one HTTP attempt per method, each under a deadline, every failure
 * a typed SegmindError (docs/segmind-api.md is the protocol). Retrying is the caller's call.
 */

export interface SegmindClientOptions {
  baseUrl: string;
  apiKey: string;
  modelSlug?: string;
  /** Submit, status, result and credits calls. Default 30 s. */
  timeoutMs?: number;
  /** A v1 sync call, headers and body (~40 s upstream). Default 180 s. */
  syncTimeoutMs?: number;
  /**
   * An output download fails when nothing arrives for this long (headers, or body bytes since
   * the last ones); a slow download that keeps moving is never cut. Default 60 s
   * (SEGMIND_DOWNLOAD_IDLE_TIMEOUT_MS).
   */
  downloadIdleTimeoutMs?: number;
  fetch?: typeof fetch;
}

export const DEFAULT_DOWNLOAD_IDLE_TIMEOUT_MS = 60_000;

const JOB_STATUSES: ReadonlySet<string> = new Set<UpstreamJobStatus>(["QUEUED", "PROCESSING", "COMPLETED", "FAILED"]);

export function createSegmindClient(options: SegmindClientOptions): SegmindClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const modelSlug = options.modelSlug ?? SEEDANCE_SLUG;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const syncTimeoutMs = options.syncTimeoutMs ?? 180_000;
  const downloadIdleTimeoutMs = options.downloadIdleTimeoutMs ?? DEFAULT_DOWNLOAD_IDLE_TIMEOUT_MS;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const { apiKey } = options;
  // Upstream text is quoted into errors; make sure it can never carry our key along.
  const redact = (text: string) => (apiKey ? text.split(apiKey).join("[redacted]") : text);

  function apiRequest(method: "GET" | "POST", path: string, timeout: number, extra: Partial<ExchangeRequest> = {}): ExchangeRequest {
    return {
      site: { method, path, keySent: true },
      url: `${baseUrl}${path}`,
      headers: { "x-api-key": apiKey, "content-type": "application/json" },
      timeoutMs: timeout,
      redirect: "manual",
      ...extra,
    };
  }

  /** Throws the mapped error for any non-2xx answer. */
  async function requireSuccess(res: Response, site: CallSite): Promise<void> {
    if (res.status >= 200 && res.status < 300) return;
    throw errorForStatus(res, await readErrorBody(res, redact), site);
  }

  return {
    baseUrl,
    modelSlug,

    submit(body: SeedanceRequestBody, callOptions?: CallOptions) {
      const request = apiRequest("POST", `/v2/${encodeURIComponent(modelSlug)}`, timeoutMs, { body: JSON.stringify(body), freshConnection: true });
      return exchange(fetchImpl, request, callOptions, async (res) => {
        await requireSuccess(res, request.site);
        const json = await readJsonObject(res, request.site);
        const requestId = json.request_id;
        if (typeof requestId !== "string" || requestId === "") throw malformed(request.site, res.status, "its body has no request_id");
        return { value: { requestId }, requestId };
      });
    },

    getStatus(requestId: string, callOptions?: CallOptions) {
      const request = apiRequest("GET", `/v2/requests/${encodeURIComponent(requestId)}/status`, timeoutMs, { requestId });
      return exchange(fetchImpl, request, callOptions, async (res) => {
        if (res.status === 422) {
          // The job ran and failed: an answer, not an error of this call.
          const errorBody = await readErrorBody(res, redact);
          if (isFailedBody(errorBody.json)) return { value: { status: "FAILED", error: failedMessage(errorBody.json) } satisfies JobStatus };
          throw errorForStatus(res, errorBody, request.site);
        }
        await requireSuccess(res, request.site);
        const json = await readJsonObject(res, request.site);
        const status = json.status;
        if (typeof status !== "string" || !JOB_STATUSES.has(status)) {
          throw malformed(request.site, res.status, `its status ${JSON.stringify(status)} is not one Segmind documents`);
        }
        const value: JobStatus = { status: status as UpstreamJobStatus };
        if (status === "FAILED") value.error = failedMessage(json);
        return { value };
      });
    },

    getResult(requestId: string, callOptions?: CallOptions) {
      const request = apiRequest("GET", `/v2/requests/${encodeURIComponent(requestId)}`, timeoutMs, { requestId });
      return exchange(fetchImpl, request, callOptions, async (res) => {
        if (res.status === 422) {
          const errorBody = await readErrorBody(res, redact);
          if (isFailedBody(errorBody.json)) throw jobFailed(request.site, res.status, failedMessage(errorBody.json));
          throw errorForStatus(res, errorBody, request.site);
        }
        await requireSuccess(res, request.site);
        const json = await readJsonObject(res, request.site);
        if (json.status === "FAILED") throw jobFailed(request.site, res.status, failedMessage(json));
        if (json.status !== undefined && json.status !== "COMPLETED") {
          throw malformed(request.site, res.status, `the job is not finished yet (status ${JSON.stringify(json.status)})`);
        }
        return { value: parseResult(json, request.site, res.status) };
      });
    },

    runSync(body: SeedanceRequestBody, callOptions?: CallOptions) {
      const request = apiRequest("POST", `/v1/${encodeURIComponent(modelSlug)}`, syncTimeoutMs, { body: JSON.stringify(body), freshConnection: true });
      return exchange(fetchImpl, request, callOptions, async (res, scope) => {
        await requireSuccess(res, request.site);
        const contentType = requireBinary(res, request.site);
        const requestId = res.headers.get("x-request-id") ?? undefined;
        const value: SyncResult = {
          ...streamedBody(res, request.site, scope),
          contentType,
          requestId,
          seed: numberHeader(res, "x-seed-value"),
          costUsd: numberHeader(res, "x-cost"),
          remainingCreditsUsd: numberHeader(res, "x-remaining-credits"),
          generationTimeS: numberHeader(res, "x-generation-time"),
        };
        return { value, requestId };
      });
    },

    download(url: string, callOptions?: CallOptions) {
      const parsed = parseHttpUrl(url);
      if (!parsed) {
        return Promise.reject(
          new SegmindError({ kind: "MALFORMED_RESPONSE", message: "The output URL Segmind gave is not an http(s) URL" }),
        );
      }
      // A public file: no key, and the path only (a query may carry a signature).
      const request: ExchangeRequest = {
        site: { method: "GET", path: parsed.pathname, keySent: false },
        url,
        headers: {},
        timeoutMs: downloadIdleTimeoutMs,
        idleTimeoutMs: downloadIdleTimeoutMs,
        redirect: "follow",
      };
      return exchange(fetchImpl, request, callOptions, async (res, scope) => {
        await requireSuccess(res, request.site);
        const value: Download = { ...streamedBody(res, request.site, scope), contentType: requireBinary(res, request.site) };
        return { value };
      });
    },

    getCredits(callOptions?: CallOptions) {
      const request = apiRequest("GET", "/v1/get-user-credits", timeoutMs);
      return exchange(fetchImpl, request, callOptions, async (res) => {
        await requireSuccess(res, request.site);
        const json = await readJsonObject(res, request.site);
        const credits = toNumber(json.credits);
        if (credits === undefined) throw malformed(request.site, res.status, "its body has no numeric credits");
        // `free-credits` is missing from some documented examples; absent means none.
        const value: CreditsBalance = { credits, freeCredits: toNumber(json["free-credits"]) ?? 0 };
        return { value };
      });
    },
  };

  /** The `error` of a FAILED body. */
  function failedMessage(json: unknown): string | undefined {
    return isObject(json) && typeof json.error === "string" ? redact(json.error) : undefined;
  }

  function parseResult(json: Record<string, unknown>, site: CallSite, httpStatus: number): JobResult {
    const video = isObject(json.video) ? json.video : {};
    const outputUrl = [video.url, json.output].find((candidate) => parseHttpUrl(candidate) !== undefined) as string | undefined;
    if (!outputUrl) throw malformed(site, httpStatus, "its body has no output URL (video.url or output)");
    const metrics = isObject(json.metrics) ? json.metrics : {};
    return {
      outputUrl,
      contentType: typeof video.content_type === "string" ? video.content_type : undefined,
      fileSize: toNumber(video.file_size),
      seed: toNumber(json.seed),
      costUsd: toNumber(metrics.cost),
      remainingCreditsUsd: toNumber(metrics.remaining_credits),
      inferenceTimeS: toNumber(metrics.inference_time),
      totalTimeS: toNumber(metrics.total_time),
    };
  }
}

async function readJsonObject(res: Response, site: CallSite): Promise<Record<string, unknown>> {
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw malformed(site, res.status, "its body is not JSON");
  }
  if (!isObject(json)) throw malformed(site, res.status, "its body is not a JSON object");
  return json;
}

/** A video answer must not be a JSON or HTML page (an error page served with 200). */
function requireBinary(res: Response, site: CallSite): string {
  const contentType = res.headers.get("content-type") ?? "application/octet-stream";
  if (/json|html|^text\//i.test(contentType)) throw malformed(site, res.status, `it sent ${contentType} instead of a video`);
  return contentType;
}

/** The body as a Readable that errors on a drop, a timeout, or fewer bytes than Content-Length. */
function streamedBody(res: Response, site: CallSite, scope: ExchangeScope): { body: Download["body"]; contentLength?: number } {
  // With a content-encoding, Content-Length counts encoded bytes, not what we receive.
  const encoded = (res.headers.get("content-encoding") ?? "identity").toLowerCase() !== "identity";
  const contentLength = encoded ? undefined : toNumber(res.headers.get("content-length"));
  const body = checkedBody(res.body, {
    expectedBytes: contentLength,
    describe: (error) => scope.describeFailure(error, res.status),
    onChunk: scope.progressed,
    lengthMismatch: (received) =>
      new SegmindError({
        kind: "CONNECTION_DROPPED",
        message: `The body of ${site.method} ${site.path} ended after ${received} of ${contentLength} bytes`,
        httpStatus: res.status,
      }),
  });
  return { body, contentLength };
}

function jobFailed(site: CallSite, httpStatus: number, upstreamMessage: string | undefined): SegmindError {
  return new SegmindError({
    kind: "JOB_FAILED",
    message: `Segmind reports the job behind ${site.path} as FAILED${upstreamMessage ? `: ${upstreamMessage}` : ""}`,
    httpStatus,
    upstreamMessage,
  });
}

function isFailedBody(json: unknown): json is Record<string, unknown> {
  return isObject(json) && json.status === "FAILED";
}

function numberHeader(res: Response, name: string): number | undefined {
  return toNumber(res.headers.get(name));
}

/** Numbers Segmind sends as numbers or numeric strings (e.g. `file_size`). */
function toNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string" || value.trim() === "") return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

function parseHttpUrl(value: unknown): URL | undefined {
  if (typeof value !== "string") return undefined;
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url : undefined;
  } catch {
    return undefined;
  }
}
