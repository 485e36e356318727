import type { Readable } from "node:stream";
import type { Clock } from "../clock";
import type { Db } from "../db/client";
import { earlyEndFor, endEarly } from "../generations/cancel";
import type { GenerationJournal } from "../generations/journal";
import type { GenerationNotifier } from "../generations/notifier";
import type { GenerationStatus } from "../generations/status";
import { TERMINAL_STATUSES } from "../generations/status";
import type { GenerationRow } from "../generations/types";
import type { Logger } from "../logger";
import { mediaKeyFor } from "../media/keys";
import type { MediaStore } from "../media/store";
import { type SegmindError, isSegmindError } from "../segmind/errors";
import type { SeedanceRequestBody, SegmindClient, UpstreamCall } from "../segmind/types";
import type { ImageFetcher } from "../generations/image-fetch";
import { backoffDelayMs, sleep } from "./backoff";
import { fingerprintFirstFrame, needsFingerprint } from "./image-fingerprint";
import { describeFailure, type GenerationFailure } from "./failures";
import type { RateGate } from "./rate-gate";

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
  /**
   * A submit answered 429 goes back to the queue without using one of its submitMaxAttempts
   * (Segmind refused it unseen); after this many 429s it fails as RATE_LIMITED.
   */
  rateLimitMaxWaits: number;
}

export interface LifecycleDeps {
  db: Db;
  journal: GenerationJournal;
  segmind: SegmindClient;
  media: MediaStore;
  clock: Clock;
  logger: Logger;
  settings: LifecycleSettings;
  /** Every keyed Segmind request takes a permit here first (SEGMIND_MAX_RPM, 429 pauses). */
  gate: RateGate;
  /** When set, a write to a generation (e.g. a cancel) wakes its drive from a wait at once. */
  notifier?: GenerationNotifier;
  /** Fingerprints the first frame before the first submit (manifest); null/absent: not done. */
  imageFetcher?: ImageFetcher | null;
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
  const wake = new Wake(deps.db, id);
  const state: LoopState = { pollFailures: 0, downloadAttempts: 0, wake, imageLooked: false };
  const unlisten = deps.notifier?.listen((changed) => {
    if (changed === id) wake.fire();
  });
  try {
    while (!signal.aborted) {
      const row = await deps.db.generation.findUnique({ where: { id } });
      if (!row || TERMINAL_STATUSES.has(row.status as GenerationStatus)) return;
      const waitMs = await step(deps, row, state, signal);
      if (waitMs > 0) await wake.sleep(waitMs, signal);
    }
  } finally {
    unlisten?.();
  }
}

/**
 * Lets someone else's write to the row (a cancel, the deadline sweep) reach its drive at once:
 * a wait ends early, and a GET in flight (a poll, a download) is abandoned once the row is
 * found final. Submits are never abandoned: their answer must be recorded.
 */
class Wake {
  private wakeUp: (() => void) | null = null;
  private call: AbortController | null = null;

  constructor(
    private readonly db: Db,
    private readonly id: string,
  ) {}

  fire(): void {
    this.wakeUp?.();
    const call = this.call;
    if (!call) return;
    // The drive's own writes land here too; only a row that became final stops the call.
    void this.db.generation
      .findUnique({ where: { id: this.id }, select: { status: true } })
      .then((row) => {
        if (!row || TERMINAL_STATUSES.has(row.status as GenerationStatus)) call.abort(new Error("generation ended"));
      })
      .catch(() => undefined);
  }

  /** The last `during` call was abandoned because the row ended. */
  abandoned = false;

  /** Runs a GET that is abandoned when the worker stops or the row ends (see `abandoned`). */
  async during<T>(signal: AbortSignal, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const call = new AbortController();
    this.call = call;
    this.abandoned = false;
    try {
      return await run(AbortSignal.any([signal, call.signal]));
    } finally {
      if (this.call === call) this.call = null;
      this.abandoned = call.signal.aborted;
    }
  }

  async sleep(ms: number, signal: AbortSignal): Promise<void> {
    const woken = new AbortController();
    this.wakeUp = () => woken.abort();
    try {
      await sleep(ms, AbortSignal.any([signal, woken.signal])).catch(() => undefined);
    } finally {
      this.wakeUp = null;
    }
  }
}

interface LoopState {
  pollFailures: number;
  downloadAttempts: number;
  wake: Wake;
  /** This drive already tried to fingerprint the first frame (once per drive at most). */
  imageLooked: boolean;
}

/** Does one step; returns how long to wait before the next (0: go on at once). */
async function step(deps: LifecycleDeps, row: GenerationRow, state: LoopState, signal: AbortSignal): Promise<number> {
  const now = deps.clock.now();
  // Canceled or past its deadline: stop here. A row mid-submit waits for Segmind's answer first.
  const end = earlyEndFor(row, now);
  if (end && row.status !== "SUBMITTING") {
    await endEarly(deps, row, end);
    return 0;
  }
  switch (row.status as GenerationStatus) {
    case "QUEUED": {
      const dueIn = (row.nextAttemptAt?.getTime() ?? 0) - now.getTime();
      if (dueIn > 0) return earliest(dueIn, row, now);
      if (deps.imageFetcher && !state.imageLooked && needsFingerprint(row)) {
        state.imageLooked = true;
        await fingerprintFirstFrame(
          { journal: deps.journal, imageFetcher: deps.imageFetcher },
          row,
          (work) => state.wake.during(signal, work),
          () => signal.aborted || state.wake.abandoned,
        );
        return 0; // the next step reads the row afresh (a cancel meanwhile wins)
      }
      return row.upstreamMode === "v1" ? submitSync(deps, row, state, signal) : submitAsync(deps, row, state, signal);
    }
    case "SUBMITTING":
      return settleInterruptedSubmit(deps, row);
    case "SUBMITTED":
    case "RUNNING":
      return earliest(await poll(deps, row, state, signal), row, deps.clock.now());
    case "STORING":
      return storeFromOutputUrl(deps, row, state, signal);
    default:
      return 0;
  }
}

/** A wait never runs past the row's deadline. */
function earliest(waitMs: number, row: GenerationRow, now: Date): number {
  if (!row.deadlineAt || waitMs <= 0) return waitMs;
  return Math.max(1, Math.min(waitMs, row.deadlineAt.getTime() - now.getTime()));
}

/**
 * Waits for a permit to call Segmind; false when the worker is stopping or the row was ended
 * meanwhile (a cancel does not wait out a rate-limit pause).
 */
async function admit(deps: LifecycleDeps, state: LoopState, signal: AbortSignal): Promise<boolean> {
  try {
    await state.wake.during(signal, (callSignal) => deps.gate.acquire(callSignal));
    return true;
  } catch (error) {
    if (signal.aborted || state.wake.abandoned) return false;
    throw error;
  }
}

/**
 * Takes a submit permit, then claims the row (QUEUED -> SUBMITTING) only if, after the wait,
 * it is still queued, due, not canceled and within its deadline. null: not submitted now.
 */
async function claimForSubmit(
  deps: LifecycleDeps,
  row: GenerationRow,
  state: LoopState,
  signal: AbortSignal,
): Promise<number | null> {
  if (!(await admit(deps, state, signal))) return null;
  const fresh = await deps.db.generation.findUnique({ where: { id: row.id } }).catch((error: unknown) => {
    deps.gate.release();
    throw error;
  });
  const now = deps.clock.now();
  if (
    !fresh ||
    fresh.status !== "QUEUED" ||
    earlyEndFor(fresh, now) ||
    (fresh.nextAttemptAt?.getTime() ?? 0) > now.getTime()
  ) {
    deps.gate.release();
    return null;
  }
  const claimed = await claimRow(deps, fresh).catch((error: unknown) => {
    deps.gate.release();
    throw error;
  });
  if (claimed === null) deps.gate.release();
  return claimed;
}

async function claimRow(deps: LifecycleDeps, row: GenerationRow): Promise<number | null> {
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

async function submitAsync(deps: LifecycleDeps, row: GenerationRow, state: LoopState, signal: AbortSignal): Promise<number> {
  const attempt = await claimForSubmit(deps, row, state, signal);
  if (attempt === null) return 0;
  const calls: UpstreamCall[] = [];
  let requestId: string;
  try {
    ({ requestId } = await deps.segmind.submit(requestBody(row), { onCall: (call) => calls.push(call) }));
  } catch (error) {
    await deps.journal.recordCalls(row.id, calls, attempt);
    return handleSubmitFailure(deps, row, attempt, error);
  }
  deps.gate.passed();
  // Segmind has accepted and will bill this job: its id must reach the database.
  await persistCritically(deps, row.id, requestId, signal, () =>
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

async function submitSync(deps: LifecycleDeps, row: GenerationRow, state: LoopState, signal: AbortSignal): Promise<number> {
  const attempt = await claimForSubmit(deps, row, state, signal);
  if (attempt === null) return 0;
  const calls: UpstreamCall[] = [];
  let result: Awaited<ReturnType<SegmindClient["runSync"]>>;
  try {
    result = await deps.segmind.runSync(requestBody(row), { onCall: (call) => calls.push(call) });
  } catch (error) {
    await deps.journal.recordCalls(row.id, calls, attempt);
    return handleSubmitFailure(deps, row, attempt, error);
  }
  deps.gate.passed();
  await persistCritically(deps, row.id, result.requestId ?? "(none)", signal, () =>
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
  // Canceled (or past its deadline) while the call ran: the bytes are not kept.
  const stored = await deps.db.generation.findUnique({ where: { id: row.id } });
  const end = stored ? earlyEndFor(stored, deps.clock.now()) : null;
  if (stored && end) {
    result.body.destroy();
    await endEarly(deps, stored, end);
    return 0;
  }
  // v1 hands the bytes over once: there is no output URL to fetch again, so no retry.
  try {
    await storeAndSucceed(deps, row.id, result.body, result.contentType);
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
  if (error.kind === "RATE_LIMITED") return handleRateLimitedSubmit(deps, row, attempt, error);
  const retrySafe = error.notAccepted && error.transient;
  if (retrySafe && attempt < deps.settings.submitMaxAttempts) {
    const delay = backoffDelayMs(attempt, { baseMs: deps.settings.backoffBaseMs });
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
 * 429 on a submit: Segmind refused it without looking at it, so nothing was billed and it is
 * not counted as one of the row's attempts. The gate closes for every request until the reset
 * time, and the row waits for it; only a row rate-limited `rateLimitMaxWaits` times fails.
 */
async function handleRateLimitedSubmit(
  deps: LifecycleDeps,
  row: GenerationRow,
  attempt: number,
  error: SegmindError,
): Promise<number> {
  const reopensAt = deps.gate.rateLimited(error.resetAt);
  const earlierWaits = await deps.db.generationEvent.count({
    where: { generationId: row.id, type: "STATUS_CHANGED", fromStatus: "SUBMITTING", errorCode: "RATE_LIMITED" },
  });
  const waits = earlierWaits + 1;
  if (waits >= deps.settings.rateLimitMaxWaits) {
    await fail(
      deps,
      row.id,
      "SUBMITTING",
      {
        errorCode: "RATE_LIMITED",
        errorMessage: `Segmind rate-limited this submit ${waits} times (HTTP 429); nothing was billed. Lower SEGMIND_MAX_RPM or check the account's plan.`,
      },
      { attempts: attempt - 1 },
    );
    return 0;
  }
  await deps.journal.transition(
    row.id,
    "SUBMITTING",
    "QUEUED",
    { attempts: attempt - 1, nextAttemptAt: reopensAt },
    {
      attempt,
      errorCode: "RATE_LIMITED",
      message: `rate-limited by Segmind (HTTP 429${error.resetAt ? `, reset at ${error.resetAt.toISOString()}` : ", no reset time given"}), so nothing was billed and no attempt was used; every submit waits until ${reopensAt.toISOString()} (wait ${waits} of at most ${deps.settings.rateLimitMaxWaits})`,
    },
  );
  return Math.max(0, reopensAt.getTime() - deps.clock.now().getTime());
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
  if (!(await admit(deps, state, signal))) return 0;
  try {
    const status = await state.wake.during(signal, (callSignal) =>
      deps.segmind.getStatus(requestId, { onCall, signal: callSignal }),
    );
    deps.gate.passed();
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
        if (!(await admit(deps, state, signal))) return 0;
        const result = await state.wake.during(signal, (callSignal) =>
          deps.segmind.getResult(requestId, { onCall, signal: callSignal }),
        );
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
    // Stopping, or the row was canceled/expired meanwhile: the next look at the row decides.
    if (signal.aborted || state.wake.abandoned) return 0;
    if (!isSegmindError(error)) throw error;
    if (error.kind === "RATE_LIMITED") {
      // Not this job's fault: the gate holds every request until the reset, then polling goes on.
      deps.gate.rateLimited(error.resetAt);
      return 0;
    }
    // Status and result reads are GETs: always safe to repeat, also after an unreadable answer
    // (MALFORMED_RESPONSE), up to the poll deadline.
    if (error.transient || error.kind === "MALFORMED_RESPONSE") {
      state.pollFailures += 1;
      return Math.max(deps.settings.pollIntervalMs, backoffDelayMs(state.pollFailures, { baseMs: deps.settings.backoffBaseMs }));
    }
    await fail(deps, row.id, row.status as GenerationStatus, describeFailure(error, "poll"));
    return 0;
  }
}

async function storeFromOutputUrl(
  deps: LifecycleDeps,
  row: GenerationRow,
  state: LoopState,
  signal: AbortSignal,
): Promise<number> {
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
    const outputUrl = row.upstreamOutputUrl;
    // The whole copy (download and store) is abandoned if the worker stops or the row ends.
    await state.wake.during(signal, async (callSignal) => {
      const download = await deps.segmind.download(outputUrl, { onCall: (call) => calls.push(call), signal: callSignal });
      await deps.journal.recordCalls(row.id, calls.splice(0), state.downloadAttempts);
      await storeAndSucceed(deps, row.id, download.body, download.contentType);
    });
    return 0;
  } catch (error) {
    await deps.journal.recordCalls(row.id, calls, state.downloadAttempts);
    // Stopping (the row stays STORING; the next process downloads it again), or the row was
    // canceled/expired meanwhile: nothing to retry.
    if (signal.aborted || state.wake.abandoned) return 0;
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

/** The body comes from the Segmind client, which errors it when fewer bytes than announced arrive. */
async function storeAndSucceed(deps: LifecycleDeps, id: string, body: Readable, contentType: string): Promise<void> {
  const stored = await deps.media.put(mediaKeyFor(id), body, normaliseVideoType(contentType));
  const succeeded = await deps.journal.transition(id, "STORING", "SUCCEEDED", {
    mediaKey: stored.key,
    videoSha256: stored.sha256,
    videoBytes: stored.bytes,
    videoContentType: stored.contentType,
    completedAt: deps.clock.now(),
  });
  if (!succeeded) {
    // Canceled or expired while the copy ran: no record points at the file, so it goes. (If
    // another process stored the same bytes and succeeded first, its record keeps the file.)
    const now = await deps.db.generation.findUnique({ where: { id }, select: { status: true } });
    if (now?.status !== "SUCCEEDED") await deps.media.remove(stored.key);
  }
}

async function fail(
  deps: LifecycleDeps,
  id: string,
  from: GenerationStatus,
  failure: GenerationFailure,
  patch: { attempts?: number } = {},
): Promise<void> {
  await deps.journal.transition(
    id,
    from,
    "FAILED",
    { ...failure, ...patch, completedAt: deps.clock.now(), nextAttemptAt: null },
    { errorCode: failure.errorCode, message: failure.errorMessage },
  );
}

/**
 * After Segmind accepted a billed job, losing the write that records it would lose the job.
 * Retry the write for as long as the database is down (logging the upstream id so an operator
 * can see it); only a stopping worker gives up, logging the id loudly, and rethrows (the row
 * stays SUBMITTING and is settled by the interrupted-submit rule).
 */
async function persistCritically(
  deps: LifecycleDeps,
  id: string,
  upstreamRequestId: string,
  signal: AbortSignal,
  write: () => Promise<unknown>,
): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await write();
      return;
    } catch (error) {
      const fields = { generationId: id, upstreamRequestId, attempt, error: errorText(error) };
      if (signal.aborted) {
        deps.logger.error("stopping before an accepted upstream job was recorded; record it by hand", fields);
        throw error;
      }
      if (attempt === 1 || attempt % 10 === 0) {
        deps.logger.error("could not record an accepted upstream job yet; retrying until the database answers", fields);
      }
      await sleep(backoffDelayMs(attempt, { baseMs: 250, capMs: 10_000 }), signal).catch(() => undefined);
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
