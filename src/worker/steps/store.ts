import type { Readable } from "node:stream";
import type { EventDetails } from "../../generations/journal";
import type { GenerationRow } from "../../generations/types";
import { mediaKeyFor } from "../../media/keys";
import type { StoredObject } from "../../media/store";
import { isSegmindError } from "../../segmind/errors";
import type { UpstreamCall } from "../../segmind/types";
import { backoffDelayMs } from "../backoff";
import { type GenerationFailure, describeFailure } from "../failures";
import { CallAbandoned } from "../in-flight";
import { type StepDeps, errorText, fail, normaliseVideoType } from "./deps";

/**
 * A row in STORING: copy the finished output from Segmind's storage into the media store, then
 * SUCCEEDED. Downloads are GETs without the key: safe to repeat, not rate-limited, retried with
 * backoff up to `downloadMaxAttempts`. The whole copy is abandoned if the worker stops (the row
 * stays STORING and is copied again) or the row ends meanwhile. Returns null once the row is
 * SUCCEEDED (nothing more to do: no step comes back to read it). The poll step that records the
 * result goes on through `storeWhileRecording` instead.
 */
export async function storeFromOutputUrl(deps: StepDeps, row: GenerationRow, signal: AbortSignal): Promise<number | null> {
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
  // Each failed copy left a RETRY_SCHEDULED event: the attempt number survives restarts.
  const attempt = 1 + (await deps.db.generationEvent.count({ where: { generationId: row.id, type: "RETRY_SCHEDULED" } }));
  return settleCopy(deps, row, await copyOutput(deps, row.id, row.upstreamOutputUrl, signal), attempt);
}

/**
 * The poll step's way on once the result is read: the copy starts while the STORING record
 * (output URL, cost, seed, the budget's settlement) commits, not after it, so that round trip
 * is off the path from Segmind's completion to SUCCEEDED. Nothing is decided before the record
 * is in: a failed copy is recorded against the STORING row, as when the copy followed the
 * record. If the record is not written (`recording` rejects, or resolves null: the row ended
 * meanwhile), the copy is abandoned and discarded, the reads that led here are kept in the
 * history, and a rejection is rethrown.
 */
export async function storeWhileRecording(
  deps: StepDeps,
  id: string,
  outputUrl: string,
  recording: Promise<GenerationRow | null>,
  /** The status and result reads, which `recording` writes with the STORING record. */
  reads: readonly UpstreamCall[],
  signal: AbortSignal,
): Promise<number | null> {
  const abandon = new AbortController();
  const copying = copyOutput(deps, id, outputUrl, AbortSignal.any([signal, abandon.signal]), recording);
  const unrecorded = async (reason: unknown) => {
    abandon.abort(reason);
    const copy = await copying;
    await discard(deps, id, copy);
    await deps.journal.recordCalls(id, [...reads, ...copy.calls]);
  };
  let storing: GenerationRow | null;
  try {
    storing = await recording;
  } catch (error) {
    await unrecorded(error).catch(() => undefined);
    throw error;
  }
  if (!storing) {
    await unrecorded(new Error("the generation ended before its result was recorded"));
    return 0;
  }
  return settleCopy(deps, storing, await copying, 1);
}

/** A copy of the output, finished or failed, with the download's exchange. */
type Copy = { stored: StoredObject; calls: UpstreamCall[] } | { error: unknown; calls: UpstreamCall[] };

/** Downloads the output into the media store; never rejects (the outcome says how it went). */
function copyOutput(deps: StepDeps, id: string, outputUrl: string, signal: AbortSignal, watchFrom?: Promise<unknown>): Promise<Copy> {
  const calls: UpstreamCall[] = [];
  return deps.calls
    .during(
      id,
      signal,
      async (callSignal) => {
        const download = await deps.segmind.download(outputUrl, { onCall: (call) => calls.push(call), signal: callSignal });
        return deps.media.put(mediaKeyFor(id), download.body, normaliseVideoType(download.contentType));
      },
      watchFrom,
    )
    .then(
      (stored) => ({ stored, calls }),
      (error: unknown) => ({ error, calls }),
    );
}

/** A row in STORING and its copy's outcome: SUCCEEDED (null), a retry's wait, or FAILED (0). */
async function settleCopy(deps: StepDeps, row: GenerationRow, copy: Copy, attempt: number): Promise<number | null> {
  const { calls } = copy;
  if ("error" in copy) {
    const { error } = copy;
    await deps.journal.recordCalls(row.id, calls, attempt);
    if (error instanceof CallAbandoned) return 0;
    const permanent = isSegmindError(error) && !error.transient;
    if (permanent || attempt >= deps.settings.downloadMaxAttempts) {
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
      attempt,
      errorCode: isSegmindError(error) ? error.kind : "STREAM_ERROR",
      message: `download failed (${errorText(error)}); downloads are safe to repeat`,
    });
    return backoffDelayMs(attempt, { baseMs: deps.settings.backoffBaseMs });
  }
  // Outside the in-flight watch: the commit's own notification must not look the row up again.
  return (await succeed(deps, row.id, copy.stored, { attempt, calls }, row)) ? null : 0;
}

/**
 * A copy whose STORING record was not written. The file goes unless the row is STORING or
 * SUCCEEDED (another process's step got there first and may point at the same key); if the
 * row cannot be read, it stays: an orphan file is better than a record pointing at nothing.
 */
async function discard(deps: StepDeps, id: string, copy: Copy): Promise<void> {
  if (!("stored" in copy)) return;
  const now = await deps.db.generation.findUnique({ where: { id }, select: { status: true } }).catch(() => undefined);
  if (now !== undefined && now?.status !== "STORING" && now?.status !== "SUCCEEDED") await deps.media.remove(copy.stored.key);
}

/** The body comes from the Segmind client, which errors it when fewer bytes than announced arrive. */
export async function storeAndSucceed(
  deps: StepDeps,
  id: string,
  body: Readable,
  contentType: string,
  /** The download's exchange, recorded with the outcome. */
  details: Pick<EventDetails, "attempt" | "calls"> = {},
): Promise<boolean> {
  let stored: StoredObject;
  try {
    stored = await deps.media.put(mediaKeyFor(id), body, normaliseVideoType(contentType));
  } catch (error) {
    if (details.calls?.length) await deps.journal.recordCalls(id, details.calls, details.attempt);
    throw error;
  }
  return succeed(deps, id, stored, details);
}

/** STORING -> SUCCEEDED with the stored video; false (and the file removed) when the row moved on meanwhile. */
async function succeed(
  deps: StepDeps,
  id: string,
  stored: StoredObject,
  details: Pick<EventDetails, "attempt" | "calls">,
  /** The row in STORING as this step knows it: on PostgreSQL the move is then one statement when nothing else is to be written (journal.ts). */
  current?: GenerationRow,
): Promise<boolean> {
  const succeeded = await deps.journal.transition(
    id,
    "STORING",
    "SUCCEEDED",
    {
      mediaKey: stored.key,
      videoSha256: stored.sha256,
      videoBytes: stored.bytes,
      videoContentType: stored.contentType,
      completedAt: deps.clock.now(),
    },
    details,
    { current },
  );
  if (succeeded) {
    deps.progress.succeeded(succeeded.duration, succeeded.resolution);
    return true;
  }
  if (details.calls?.length) await deps.journal.recordCalls(id, details.calls, details.attempt);
  // Canceled or expired while the copy ran: no record points at the file, so it goes. (If
  // another process stored the same bytes and succeeded first, its record keeps the file.)
  const now = await deps.db.generation.findUnique({ where: { id }, select: { status: true } });
  if (now?.status !== "SUCCEEDED") await deps.media.remove(stored.key);
  return false;
}
