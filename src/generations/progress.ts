import type { Clock } from "../clock";
import type { Db } from "../db/client";
import type { GenerationStatus } from "./status";
import type { GenerationRow } from "./types";

/** Segmind documents ~39.62 s per Seedance Lite generation; the estimate before any history. */
export const DEFAULT_ESTIMATE_MS = 40_000;
/** How many recent successes of the same shape the estimate is the median of. */
const HISTORY = 20;
const CACHE_TTL_MS = 30_000;

/** A shape's median as last looked up; `empty` once it is known there was no history. */
interface CachedMedian {
  medianMs: Promise<number | null>;
  readAt: number;
  empty?: boolean;
}

export interface ProgressView {
  /** 0..1; 1 only on success. */
  progress: number;
  estimatedCompletionAt: Date | null;
}

/**
 * Segmind reports no progress, so the gateway synthesizes it from time: how long jobs of the
 * same duration and resolution took upstream (submitted → completed) recently. Status sets
 * floors (storing is nearly done), time fills in between, and nothing short of success
 * reaches 1. Subscriptions additionally clamp so a subscriber never sees it go backwards.
 */
export class ProgressEstimator {
  /** Promises, so concurrent readers of one shape share one query. */
  private readonly cache = new Map<string, CachedMedian>();
  /** Per shape, how long Segmind took for this process's recent jobs (upstreamDone), oldest first. */
  private readonly upstream = new Map<string, number[]>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async view(row: GenerationRow): Promise<ProgressView> {
    if (row.status === "SUCCEEDED") return { progress: 1, estimatedCompletionAt: row.completedAt };
    const estimateMs = await this.estimateMs(row.duration, row.resolution);
    return progressAt(row, this.clock.now(), estimateMs);
  }

  async estimateMs(duration: number, resolution: string): Promise<number> {
    return (await this.recordedMedianMs(duration, resolution)) ?? DEFAULT_ESTIMATE_MS;
  }

  /** The median submitted-to-completed time of recent successes of this shape; null before any. */
  recordedMedianMs(duration: number, resolution: string): Promise<number | null> {
    const key = shapeKey(duration, resolution);
    const now = this.clock.now().getTime();
    const cached = this.cache.get(key);
    if (cached && now - cached.readAt < CACHE_TTL_MS) return cached.medianMs;
    const medianMs = this.medianLatency(duration, resolution);
    const entry: CachedMedian = { medianMs, readAt: now };
    this.cache.set(key, entry);
    medianMs.then(
      (median) => {
        entry.empty = median === null;
      },
      () => this.cache.delete(key),
    );
    return medianMs;
  }

  /**
   * Segmind finished a job of this shape `ms` after its submit was accepted: its own total time
   * where it reports one, else when a status read first found the job done.
   */
  upstreamDone(duration: number, resolution: string, ms: number): void {
    if (!(ms > 0)) return;
    const key = shapeKey(duration, resolution);
    const samples = this.upstream.get(key) ?? [];
    samples.push(ms);
    if (samples.length > HISTORY) samples.shift();
    this.upstream.set(key, samples);
  }

  /**
   * When a job of this shape is likely done upstream, for the poll schedule (poll-timing.ts):
   * the median of this process's recent upstreamDone, or before any, of the recorded successes.
   * Those end when the video is stored, so they also hold how late the job was seen done and how
   * long the copy took; scheduling reads by them put the first read after the job's end whenever
   * that sum passed the schedule's lead (a fresh gateway's first jobs, read on the sparse
   * schedule, made every later job that late).
   */
  async upstreamMedianMs(duration: number, resolution: string): Promise<number | null> {
    const samples = this.upstream.get(shapeKey(duration, resolution));
    if (samples?.length) return median(samples);
    return this.recordedMedianMs(duration, resolution);
  }

  /**
   * A generation of this shape succeeded in this process: a cached "no history" is read again
   * at the next look, so the first successes inform the poll schedule (poll-timing.ts) at once,
   * not 30 s later. A cached median stands: one more sample barely moves it.
   */
  succeeded(duration: number, resolution: string): void {
    const key = shapeKey(duration, resolution);
    if (this.cache.get(key)?.empty) this.cache.delete(key);
  }

  private async medianLatency(duration: number, resolution: string): Promise<number | null> {
    const recent = await this.db.generation.findMany({
      where: { status: "SUCCEEDED", duration, resolution, submittedAt: { not: null }, completedAt: { not: null } },
      orderBy: { id: "desc" },
      take: HISTORY,
      select: { submittedAt: true, completedAt: true },
    });
    const latencies = recent
      .map((row) => (row.completedAt as Date).getTime() - (row.submittedAt as Date).getTime())
      .filter((ms) => ms > 0);
    return latencies.length === 0 ? null : median(latencies);
  }
}

/** Jobs of one duration and resolution take alike: the estimates are kept per shape. */
function shapeKey(duration: number, resolution: string): string {
  return `${duration}:${resolution}`;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

const FLOORS: Partial<Record<GenerationStatus, number>> = {
  QUEUED: 0,
  SUBMITTING: 0.02,
  SUBMITTED: 0.05,
  RUNNING: 0.08,
  STORING: 0.95,
};
const CEILING_BEFORE_SUCCESS = 0.99;

/** Pure: progress of a row at `now`, given the expected upstream time. */
export function progressAt(row: GenerationRow, now: Date, estimateMs: number): ProgressView {
  if (row.status === "SUCCEEDED") return { progress: 1, estimatedCompletionAt: row.completedAt };
  const terminal = row.completedAt !== null;
  const at = terminal ? (row.completedAt as Date) : now;
  const floor = FLOORS[row.status as GenerationStatus] ?? 0;
  let timeShare = 0;
  if (row.submittedAt) {
    const fraction = Math.max(0, at.getTime() - row.submittedAt.getTime()) / estimateMs;
    // Linear up to the estimate, then creeping toward the ceiling: late jobs still move.
    timeShare = fraction <= 1 ? 0.05 + 0.85 * fraction : 0.9 + 0.09 * (1 - Math.exp(-(fraction - 1)));
  }
  const progress = Math.min(CEILING_BEFORE_SUCCESS, Math.max(floor, timeShare));
  if (terminal) return { progress, estimatedCompletionAt: null };
  const expectedEnd = (row.submittedAt ?? now).getTime() + estimateMs;
  return { progress, estimatedCompletionAt: new Date(Math.max(expectedEnd, now.getTime())) };
}
