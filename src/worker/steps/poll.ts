import type { GenerationStatus } from "../../generations/status";
import type { GenerationRow } from "../../generations/types";
import { isSegmindError } from "../../segmind/errors";
import type { JobResult, UpstreamCall } from "../../segmind/types";
import { describeFailure } from "../failures";
import { CallAbandoned } from "../in-flight";
import { type RowSeen, type StepDeps, fail, msUntil, untilDeadline } from "./deps";
import { nextPollInMs } from "./poll-timing";
import { storeWhileRecording } from "./store";

/**
 * A row Segmind accepted (SUBMITTED or RUNNING): read the job's status (the step is scheduled
 * for when a read is due: poll-timing.ts) and, once COMPLETED, its result (output URL, cost,
 * seed), moving the row to STORING while the same step copies the video (store.ts). Status and
 * result reads are GETs, always safe to repeat, so every failure but a permanent one is retried
 * until the poll deadline. Each read takes a permit of the shared limiter first.
 */
export async function pollSubmitted(
  deps: StepDeps,
  row: GenerationRow,
  signal: AbortSignal,
  /** When `row` was current: an unfinished job's read keeps it for the next step. */
  seen?: RowSeen,
): Promise<number | null> {
  const from = row.status as GenerationStatus;
  const requestId = row.upstreamRequestId;
  if (!requestId) {
    await fail(deps, row.id, from, {
      errorCode: "INTERNAL_INCONSISTENCY",
      errorMessage: `Row is ${row.status} without an upstream request id`,
    });
    return 0;
  }
  const now = deps.clock.now();
  const submittedAt = (row.submittedAt ?? row.createdAt).getTime();
  if (now.getTime() - submittedAt > deps.settings.pollDeadlineMs) {
    await fail(deps, row.id, from, {
      errorCode: "UPSTREAM_DEADLINE_EXCEEDED",
      errorMessage: `Segmind did not finish within ${Math.round(deps.settings.pollDeadlineMs / 1000)} s of submission; the job may still complete and bill upstream`,
    });
    return 0;
  }
  const permit = await deps.limiter.acquire("status");
  if (!permit.granted) return untilDeadline(msUntil(permit.retryAt, now), row, now);

  const calls: UpstreamCall[] = [];
  const onCall = (call: UpstreamCall) => calls.push(call);
  const readAt = deps.clock.now();
  try {
    const status = await deps.calls.during(row.id, signal, (callSignal) =>
      deps.segmind.getStatus(requestId, { onCall, signal: callSignal }),
    );
    deps.limiter.passed();
    switch (status.status) {
      case "QUEUED":
      case "PROCESSING": {
        if (status.status === "PROCESSING" && from === "SUBMITTED") {
          await deps.journal.transition(row.id, "SUBMITTED", "RUNNING", {}, { calls });
        } else {
          await deps.journal.recordCalls(row.id, calls);
          // Only the read's own record since the row was current: the next read needs no look at it.
          if (seen) deps.snapshots?.keep(row.id, row, seen.version, seen.at);
        }
        return untilDeadline(await nextPollInMs(deps, row, deps.clock.now()), row, deps.clock.now());
      }
      case "FAILED":
        await fail(
          deps,
          row.id,
          from,
          {
            errorCode: "UPSTREAM_JOB_FAILED",
            errorMessage: `Segmind ran the job and it failed; failed jobs are not billed.${status.error ? ` Segmind said: "${status.error}".` : ""}`,
          },
          {},
          { calls },
        );
        return 0;
      case "COMPLETED":
        return fetchResult(deps, row, from, requestId, calls, signal, readAt);
    }
  } catch (error) {
    return pollFailed(deps, row, from, error, calls);
  }
}

/** The job is done upstream: read where its output is and what it cost. */
async function fetchResult(
  deps: StepDeps,
  row: GenerationRow,
  from: GenerationStatus,
  requestId: string,
  calls: UpstreamCall[],
  signal: AbortSignal,
  /** When the status read that found the job done began. */
  seenDoneAt: Date,
): Promise<number | null> {
  const permit = await deps.limiter.acquire("result");
  if (!permit.granted) {
    // Seen done, but the result read must wait: the status read is kept, the next step reads both.
    await deps.journal.recordCalls(row.id, calls);
    return untilDeadline(msUntil(permit.retryAt, deps.clock.now()), row, deps.clock.now());
  }
  let result: JobResult;
  try {
    result = await deps.calls.during(row.id, signal, (callSignal) =>
      deps.segmind.getResult(requestId, { onCall: (call) => calls.push(call), signal: callSignal }),
    );
    deps.limiter.passed();
  } catch (error) {
    return pollFailed(deps, row, from, error, calls);
  }
  deps.progress.upstreamDone(row.duration, row.resolution, upstreamTookMs(row, seenDoneAt, result));
  const recording = deps.journal.transition(
    row.id,
    from,
    "STORING",
    {
      upstreamOutputUrl: result.outputUrl,
      upstreamSeed: result.seed ?? null,
      costUsd: result.costUsd ?? null,
      remainingCreditsUsd: result.remainingCreditsUsd ?? null,
    },
    { calls },
  );
  // The result's record (and the budget's settlement) and the video's copy go together; the
  // copy's outcome is written once the record is in (store.ts).
  return storeWhileRecording(deps, row.id, result.outputUrl, recording, calls, signal);
}

/**
 * How long after the submit's acceptance Segmind finished: its own total time where it reports
 * one (never past the read that found the job done), else that read's time.
 */
function upstreamTookMs(row: GenerationRow, seenDoneAt: Date, result: JobResult): number {
  const seen = seenDoneAt.getTime() - (row.submittedAt ?? row.createdAt).getTime();
  return result.totalTimeS !== undefined ? Math.min(seen, result.totalTimeS * 1000) : seen;
}

async function pollFailed(
  deps: StepDeps,
  row: GenerationRow,
  from: GenerationStatus,
  error: unknown,
  calls: readonly UpstreamCall[],
): Promise<number> {
  // Stopping, or the row was canceled/expired meanwhile: the next look at the row decides.
  if (error instanceof CallAbandoned) {
    await deps.journal.recordCalls(row.id, calls);
    return 0;
  }
  if (!isSegmindError(error)) {
    await deps.journal.recordCalls(row.id, calls);
    throw error;
  }
  const now = deps.clock.now();
  if (error.kind === "RATE_LIMITED") {
    // Not this job's fault: every keyed call waits for the reset, then polling goes on.
    await deps.journal.recordCalls(row.id, calls);
    return untilDeadline(msUntil(await deps.limiter.rateLimited(error.resetAt), now), row, now);
  }
  // Status and result reads are GETs: always safe to repeat, also after an unreadable answer
  // (MALFORMED_RESPONSE), up to the poll deadline.
  if (error.transient || error.kind === "MALFORMED_RESPONSE") {
    await deps.journal.recordCalls(row.id, calls);
    return untilDeadline(await nextPollInMs(deps, row, now), row, now);
  }
  await fail(deps, row.id, from, describeFailure(error, "poll"), {}, { calls });
  return 0;
}
