import type { Readable } from "node:stream";
import type { Clock } from "../../clock";
import type { Db } from "../../db/client";
import type { ImageFetcher } from "../../generations/image-fetch";
import type { EventDetails, GenerationJournal } from "../../generations/journal";
import type { ProgressEstimator } from "../../generations/progress";
import type { RowSnapshots } from "../../generations/row-snapshots";
import type { GenerationStatus } from "../../generations/status";
import type { GenerationRow } from "../../generations/types";
import type { Logger } from "../../logger";
import type { MediaStore } from "../../media/store";
import type { SeedanceRequestBody, SegmindClient } from "../../segmind/types";
import { backoffDelayMs, sleep } from "../backoff";
import type { GenerationFailure } from "../failures";
import type { InFlightCalls } from "../in-flight";
import type { InFlightGate } from "../in-flight-gate";
import type { SubmitBreaker } from "../breaker";
import type { UpstreamLimiter } from "../limiter";

export interface StepSettings {
  /** The shortest wait between two status reads of one job. */
  pollIntervalMs: number;
  /**
   * Around a job's likely completion, status reads this far apart (poll-timing.ts); 0 = off.
   * Only used when it is shorter than pollIntervalMs.
   */
  pollFastMs: number;
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
  /** Generations accepted by Segmind and not finished, across every instance; 0 = no cap. */
  maxInFlight: number;
  /**
   * While Segmind is down (the submit breaker is open) a generation without a deadline waits
   * QUEUED at most this long, then fails UPSTREAM_OUTAGE (UPSTREAM_OUTAGE_MAX_WAIT_MS).
   */
  outageMaxWaitMs: number;
}

/** What every step of a generation works with. */
export interface StepDeps {
  db: Db;
  journal: GenerationJournal;
  segmind: SegmindClient;
  media: MediaStore;
  clock: Clock;
  logger: Logger;
  settings: StepSettings;
  /** Submits go through it: while Segmind is down it holds them back (src/worker/breaker.ts). */
  breaker: SubmitBreaker;
  /** Every keyed Segmind call takes a permit first (SEGMIND_MAX_RPM, 429 pauses). */
  limiter: UpstreamLimiter;
  /** SEGMIND_MAX_IN_FLIGHT's waiting line: queued generations park there while the cap is full. */
  inFlightGate?: InFlightGate;
  /** GETs in flight, abandoned when their row ends meanwhile. */
  calls: InFlightCalls;
  /** Rows as this process last wrote them: a step after our own write reads none (row-snapshots.ts). */
  snapshots?: RowSnapshots;
  /** Median upstream latency per shape: when a job is likely done. */
  progress: ProgressEstimator;
  /** Fingerprints the first frame before the first submit (manifest); null: not done. */
  imageFetcher: ImageFetcher | null;
}

/** Ends a generation as FAILED (guarded on `from`, like every transition). */
export async function fail(
  deps: StepDeps,
  id: string,
  from: GenerationStatus,
  failure: GenerationFailure,
  patch: { attempts?: number } = {},
  /** The upstream exchanges that led here, recorded in the same transaction. */
  details: Pick<EventDetails, "attempt" | "calls"> = {},
): Promise<void> {
  await deps.journal.transition(
    id,
    from,
    "FAILED",
    { ...failure, ...patch, completedAt: deps.clock.now(), nextAttemptAt: null },
    { ...details, errorCode: failure.errorCode, message: failure.errorMessage },
  );
}

/**
 * After Segmind accepted a billed job, losing the write that records it would lose the job.
 * Retry the write for as long as the database is down (logging the upstream id so an operator
 * can see it); only a stopping worker gives up, logging the id loudly, and rethrows (the row
 * stays SUBMITTING and is settled by the interrupted-submit rule).
 */
export async function persistCritically(
  deps: StepDeps,
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

/** A wait never runs past the row's deadline (the step then ends it as EXPIRED). */
export function untilDeadline(waitMs: number, row: GenerationRow, now: Date): number {
  if (!row.deadlineAt || waitMs <= 0) return waitMs;
  return Math.max(1, Math.min(waitMs, row.deadlineAt.getTime() - now.getTime()));
}

/** How long until `at`, never negative. */
export function msUntil(at: Date, now: Date): number {
  return Math.max(0, at.getTime() - now.getTime());
}

export function requestBody(row: GenerationRow): SeedanceRequestBody {
  return JSON.parse(row.upstreamRequestBody) as SeedanceRequestBody;
}

export function normaliseVideoType(contentType: string): string {
  const type = contentType.split(";")[0]?.trim().toLowerCase();
  return type && type.startsWith("video/") ? type : "video/mp4";
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export type VideoBody = { body: Readable; contentType: string };

/** When a step's row was current: the notifications counted then (RowSnapshots.version) and the time. */
export interface RowSeen {
  version: number;
  at: number;
}
