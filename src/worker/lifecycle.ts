import type { Readable } from "node:stream";
import type { Clock } from "../clock";
import type { Db } from "../db/client";
import type { GenerationJournal } from "../generations/journal";
import type { GenerationStatus } from "../generations/status";
import { TERMINAL_STATUSES } from "../generations/status";
import type { GenerationRow } from "../generations/types";
import type { Logger } from "../logger";
import { mediaKeyFor } from "../media/keys";
import type { MediaStore } from "../media/store";
import { SegmindError, isSegmindError } from "../segmind/errors";
import type { SeedanceRequestBody, SegmindClient, UpstreamCall } from "../segmind/types";
import { backoffDelayMs, sleep } from "./backoff";
import { describeFailure, type GenerationFailure } from "./failures";

export interface LifecycleSettings {
  pollIntervalMs: number;
  /** Give up polling this long after submission. */
  pollDeadlineMs: number;
  /** Submits that provably were not accepted are retried up to this many attempts in all. */
  submitMaxAttempts: number;
  /** Downloads of a finished output are retried up to this many attempts. */
  downloadMaxAttempts: number;
  /**
   * A row left in SUBMITTING longer than this cannot still be on the wire anywhere
   * (it exceeds the submit timeout), so it is settled by the interrupted-submit rule.
   */
  submitInFlightMs: number;
  backoffBaseMs: number;
}

export interface LifecycleDeps {
  db: Db;
  journal: GenerationJournal;
  segmind: SegmindClient;
  media: MediaStore;
  clock: Clock;
  logger: Logger;
  settings: LifecycleSettings;
}

export const SUBMIT_INTERRUPTED = "SUBMIT_INTERRUPTED";

/**
 * Drives one generation from whatever state its row is in to a terminal state. Each loop
 * reads the row afresh, so the same code resumes a row left by a stopped process: queued
 * rows are submitted, rows with an upstream id are polled (never resubmitted), and a row
 * caught mid-submit is settled by the interrupted-submit rule. Returns early (row left
 * resumable) when `signal` aborts.
 */
export async function driveGeneration(deps: LifecycleDeps, id: string, signal: AbortSignal): Promise<void> {
  const state = { pollFailures: 0, downloadAttempts: 0 };
  while (!signal.aborted) {
    const row = await deps.db.generation.findUnique({ where: { id } });
    if (!row || TERMINAL_STATUSES.has(row.status as GenerationStatus)) return;
    const waitMs = await step(deps, row, state, signal);
    if (waitMs > 0) await sleep(waitMs, signal).catch(() => undefined);
  }
}

interface LoopState {
  pollFailures: number;
  downloadAttempts: number;
}

/** Does one step; returns how long to wait before the next (0: go on at once). */
async function step(deps: LifecycleDeps, row: GenerationRow, state: LoopState, signal: AbortSignal): Promise<number> {
  const now = deps.clock.now().getTime();
  switch (row.status as GenerationStatus) {
    case "QUEUED": {
      const dueIn = (row.nextAttemptAt?.getTime() ?? 0) - now;
      if (dueIn > 0) return dueIn;
      return row.upstreamMode === "v1" ? submitSync(deps, row) : submitAsync(deps, row);
    }
    case "SUBMITTING":
      return settleInterruptedSubmit(deps, row);
    case "SUBMITTED":
    case "RUNNING":
      return poll(deps, row, state, signal);
    case "STORING":
      return storeFromOutputUrl(deps, row, state);
    default:
      return 0;
  }
}

async function claimForSubmit(deps: LifecycleDeps, row: GenerationRow): Promise<number | null> {
  const attempt = row.attempts + 1;
  const claimed = await deps.journal.transition(
    row.id,
    "QUEUED",
    "SUBMITTING",
    { attempts: attempt, nextAttemptAt: null },
    { attempt, message: `submit attempt ${attempt} to ${row.upstream}` },
  );
  return claimed ? attempt : null;
}

async function submitAsync(deps: LifecycleDeps, row: GenerationRow): Promise<number> {
  const attempt = await claimForSubmit(deps, row);
  if (attempt === null) return 0;
  const calls: UpstreamCall[] = [];
  let requestId: string;
  try {
    ({ requestId } = await deps.segmind.submit(requestBody(row), { onCall: (call) => calls.push(call) }));
  } catch (error) {
    await deps.journal.recordCalls(row.id, calls, attempt);
    return handleSubmitFailure(deps, row, attempt, error);
  }
  // Segmind has accepted and will bill this job: its id must reach the database.
  await persistCritically(deps, row.id, requestId, () =>
    deps.journal.transition(
      row.id,
      "SUBMITTING",
      "SUBMITTED",
      { upstreamRequestId: requestId, submittedAt: deps.clock.now() },
      { attempt, calls },
    ),
  );
  return 0;
}

async function submitSync(deps: LifecycleDeps, row: GenerationRow): Promise<number> {
  const attempt = await claimForSubmit(deps, row);
  if (attempt === null) return 0;
  const calls: UpstreamCall[] = [];
  let result: Awaited<ReturnType<SegmindClient["runSync"]>>;
  try {
    result = await deps.segmind.runSync(requestBody(row), { onCall: (call) => calls.push(call) });
  } catch (error) {
    await deps.journal.recordCalls(row.id, calls, attempt);
    return handleSubmitFailure(deps, row, attempt, error);
  }
  await persistCritically(deps, row.id, result.requestId ?? "(none)", () =>
    deps.journal.transition(
      row.id,
      "SUBMITTING",
      "STORING",
      {
        upstreamRequestId: result.requestId ?? null,
        upstreamSeed: result.seed ?? null,
        costUsd: result.costUsd ?? null,
        remainingCreditsUsd: result.remainingCreditsUsd ?? null,
        submittedAt: deps.clock.now(),
      },
      { attempt, calls },
    ),
  );
  // v1 hands the bytes over once: there is no output URL to fetch again, so no retry.
  try {
    await storeAndSucceed(deps, row.id, result.body, result.contentType, result.contentLength);
  } catch (error) {
    await fail(deps, row.id, "STORING", {
      errorCode: "RESULT_DOWNLOAD_FAILED",
      errorMessage: `Segmind billed the job but its video did not arrive intact (${errorText(error)}); v1 offers no way to fetch it again`,
    });
  }
  return 0;
}

async function handleSubmitFailure(
  deps: LifecycleDeps,
  row: GenerationRow,
  attempt: number,
  error: unknown,
): Promise<number> {
  if (!isSegmindError(error)) throw error;
  const retrySafe = error.notAccepted && error.transient;
  if (retrySafe && attempt < deps.settings.submitMaxAttempts) {
    const delay = error.resetAt
      ? Math.max(0, error.resetAt.getTime() - deps.clock.now().getTime())
      : backoffDelayMs(attempt, { baseMs: deps.settings.backoffBaseMs });
    const nextAttemptAt = new Date(deps.clock.now().getTime() + delay);
    await deps.journal.transition(
      row.id,
      "SUBMITTING",
      "QUEUED",
      { nextAttemptAt },
      {
        attempt,
        errorCode: error.kind,
        message: `not accepted by Segmind (${error.kind}${error.httpStatus ? `, HTTP ${error.httpStatus}` : ""}), so nothing was billed; retry ${attempt + 1} of ${deps.settings.submitMaxAttempts} at ${nextAttemptAt.toISOString()}`,
      },
    );
    return delay;
  }
  await fail(deps, row.id, "SUBMITTING", describeFailure(error, "submit"));
  return 0;
}

/**
 * The documented rule for a row found in SUBMITTING: its submit was on the wire when the
 * process stopped, and no upstream id was recorded. Segmind may have accepted and billed it,
 * and it offers no way to look a job up without its id, so resubmitting could pay twice.
 * Once the row is older than any submit could still be in flight, it fails with
 * SUBMIT_INTERRUPTED; the client may retry with a new request if it accepts the risk.
 */
async function settleInterruptedSubmit(deps: LifecycleDeps, row: GenerationRow): Promise<number> {
  const age = deps.clock.now().getTime() - row.updatedAt.getTime();
  const remaining = deps.settings.submitInFlightMs - age;
  if (remaining > 0) return remaining;
  await fail(deps, row.id, "SUBMITTING", {
    errorCode: SUBMIT_INTERRUPTED,
    errorMessage:
      "The gateway stopped while this submit was on the wire and never learned Segmind's answer. Segmind may have accepted and billed it; the gateway does not resubmit blindly.",
  });
  return 0;
}

async function poll(deps: LifecycleDeps, row: GenerationRow, state: LoopState, signal: AbortSignal): Promise<number> {
  const requestId = row.upstreamRequestId;
  if (!requestId) {
    await fail(deps, row.id, row.status as GenerationStatus, {
      errorCode: "INTERNAL_INCONSISTENCY",
      errorMessage: `Row is ${row.status} without an upstream request id`,
    });
    return 0;
  }
  const submittedAt = (row.submittedAt ?? row.createdAt).getTime();
  if (deps.clock.now().getTime() - submittedAt > deps.settings.pollDeadlineMs) {
    await fail(deps, row.id, row.status as GenerationStatus, {
      errorCode: "UPSTREAM_DEADLINE_EXCEEDED",
      errorMessage: `Segmind did not finish within ${Math.round(deps.settings.pollDeadlineMs / 1000)} s of submission; the job may still complete and bill upstream`,
    });
    return 0;
  }

  const calls: UpstreamCall[] = [];
  const onCall = (call: UpstreamCall) => calls.push(call);
  try {
    const status = await deps.segmind.getStatus(requestId, { onCall, signal });
    state.pollFailures = 0;
    switch (status.status) {
      case "QUEUED":
        await deps.journal.recordCalls(row.id, calls);
        return deps.settings.pollIntervalMs;
      case "PROCESSING":
        await deps.journal.recordCalls(row.id, calls);
        if (row.status === "SUBMITTED") await deps.journal.transition(row.id, "SUBMITTED", "RUNNING");
        return deps.settings.pollIntervalMs;
      case "FAILED":
        await deps.journal.recordCalls(row.id, calls);
        await fail(deps, row.id, row.status as GenerationStatus, {
          errorCode: "UPSTREAM_JOB_FAILED",
          errorMessage: `Segmind ran the job and it failed; failed jobs are not billed.${status.error ? ` Segmind said: "${status.error}".` : ""}`,
        });
        return 0;
      case "COMPLETED": {
        const result = await deps.segmind.getResult(requestId, { onCall, signal });
        await deps.journal.recordCalls(row.id, calls);
        await deps.journal.transition(row.id, row.status as GenerationStatus, "STORING", {
          upstreamOutputUrl: result.outputUrl,
          upstreamSeed: result.seed ?? null,
          costUsd: result.costUsd ?? null,
          remainingCreditsUsd: result.remainingCreditsUsd ?? null,
        });
        return 0;
      }
    }
  } catch (error) {
    await deps.journal.recordCalls(row.id, calls);
    if (signal.aborted) return 0;
    if (!isSegmindError(error)) throw error;
    if (error.transient) {
      // Status and result reads are GETs: always safe to repeat.
      state.pollFailures += 1;
      const delay = error.resetAt
        ? Math.max(0, error.resetAt.getTime() - deps.clock.now().getTime())
        : Math.max(deps.settings.pollIntervalMs, backoffDelayMs(state.pollFailures, { baseMs: deps.settings.backoffBaseMs }));
      return delay;
    }
    await fail(deps, row.id, row.status as GenerationStatus, describeFailure(error, "poll"));
    return 0;
  }
}

async function storeFromOutputUrl(deps: LifecycleDeps, row: GenerationRow, state: LoopState): Promise<number> {
  if (!row.upstreamOutputUrl) {
    // Only a v1 call leaves STORING without an output URL: its bytes were mid-stream when
    // the process stopped, and v1 offers no way to fetch them again.
    await fail(deps, row.id, "STORING", {
      errorCode: "RESULT_LOST",
      errorMessage:
        "The gateway stopped while receiving this video from a v1 call; Segmind billed it and offers no way to fetch it again",
    });
    return 0;
  }
  state.downloadAttempts += 1;
  const calls: UpstreamCall[] = [];
  try {
    const download = await deps.segmind.download(row.upstreamOutputUrl, { onCall: (call) => calls.push(call) });
    await deps.journal.recordCalls(row.id, calls, state.downloadAttempts);
    await storeAndSucceed(deps, row.id, download.body, download.contentType, download.contentLength);
    return 0;
  } catch (error) {
    await deps.journal.recordCalls(row.id, calls, state.downloadAttempts);
    const permanent = isSegmindError(error) && !error.transient;
    if (permanent || state.downloadAttempts >= deps.settings.downloadMaxAttempts) {
      const failure: GenerationFailure = isSegmindError(error)
        ? describeFailure(error, "download")
        : { errorCode: "RESULT_DOWNLOAD_FAILED", errorMessage: `The video could not be copied: ${errorText(error)}` };
      await fail(deps, row.id, "STORING", {
        errorCode: "RESULT_DOWNLOAD_FAILED",
        errorMessage: `${failure.errorMessage} The output stays at upstreamOutputUrl until Segmind deletes it.`,
      });
      return 0;
    }
    await deps.journal.recordEvent(row.id, "RETRY_SCHEDULED", {
      attempt: state.downloadAttempts,
      errorCode: isSegmindError(error) ? error.kind : "STREAM_ERROR",
      message: `download failed (${errorText(error)}); downloads are safe to repeat`,
    });
    return backoffDelayMs(state.downloadAttempts, { baseMs: deps.settings.backoffBaseMs });
  }
}

async function storeAndSucceed(
  deps: LifecycleDeps,
  id: string,
  body: Readable,
  contentType: string,
  expectedBytes: number | undefined,
): Promise<void> {
  const stored = await deps.media.put(mediaKeyFor(id), body, normaliseVideoType(contentType));
  if (expectedBytes !== undefined && stored.bytes !== expectedBytes) {
    throw new SegmindError({
      kind: "CONNECTION_DROPPED",
      message: `Received ${stored.bytes} of ${expectedBytes} bytes`,
    });
  }
  await deps.journal.transition(id, "STORING", "SUCCEEDED", {
    mediaKey: stored.key,
    videoSha256: stored.sha256,
    videoBytes: stored.bytes,
    videoContentType: stored.contentType,
    completedAt: deps.clock.now(),
  });
}

async function fail(
  deps: LifecycleDeps,
  id: string,
  from: GenerationStatus,
  failure: GenerationFailure,
): Promise<void> {
  await deps.journal.transition(
    id,
    from,
    "FAILED",
    { ...failure, completedAt: deps.clock.now(), nextAttemptAt: null },
    { errorCode: failure.errorCode, message: failure.errorMessage },
  );
}

/**
 * After Segmind accepted a billed job, losing the write that records it would lose the job.
 * Retry the write for a while; if the database stays down, log the upstream id loudly so an
 * operator can recover it, and rethrow (the row stays SUBMITTING and is settled by rule).
 */
async function persistCritically(
  deps: LifecycleDeps,
  id: string,
  upstreamRequestId: string,
  write: () => Promise<unknown>,
): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await write();
      return;
    } catch (error) {
      if (attempt >= 8) {
        deps.logger.error("could not record an accepted upstream job", {
          generationId: id,
          upstreamRequestId,
          error: errorText(error),
        });
        throw error;
      }
      await sleep(backoffDelayMs(attempt, { baseMs: 250, capMs: 10_000 }));
    }
  }
}

function requestBody(row: GenerationRow): SeedanceRequestBody {
  return JSON.parse(row.upstreamRequestBody) as SeedanceRequestBody;
}

function normaliseVideoType(contentType: string): string {
  const type = contentType.split(";")[0]?.trim().toLowerCase();
  return type && type.startsWith("video/") ? type : "video/mp4";
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
