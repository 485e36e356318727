import type { GenerationRow } from "../../generations/types";
import type { RpmScope } from "../limiter";
import type { StepDeps, StepSettings } from "./deps";

/**
 * When to read a job's status: not every few seconds from the submit, but when it is likely
 * done. The likely time is the median time Segmind took for recent jobs of the same duration
 * and resolution, from the submit's acceptance to its end upstream (ProgressEstimator's
 * upstreamMedianMs; before this process has seen any, the recorded successes' median).
 *
 * - With no history yet: the first read one poll interval after the submit, then reads grow
 *   sparser the longer the job runs (a quarter of its age past that, one to four intervals).
 * - With history: the first read one interval before the median (never more than eight
 *   intervals after the submit: the median also holds jobs that outlived a restart or an
 *   outage), and the next ones one interval apart.
 * - With history and fast reads (`pollFastMs`, SEGMIND_POLL_FAST_MS): the first read two fast
 *   reads before the median, then one every `pollFastMs` for FAST_READS reads around it: the
 *   time from Segmind's completion to the gateway seeing it is at most one fast read, where it
 *   was up to one interval. Past that window, the sparse schedule again. The gateway turns fast
 *   reads off when SEGMIND_MAX_RPM counts status reads (gateway.ts): each would take a scarce
 *   permit from the submits.
 *
 * The margin keeps the estimate honest: the median includes how late the job was seen done,
 * and starting early means that lateness never grows from run to run (it shrinks to what the
 * schedule allows).
 *
 * These are waits (real time passing); the first is returned by the submit step itself, so no
 * decision depends on the gateway's clock having moved.
 */

/** Reads at the fast pace around the median, before the sparse schedule takes over. */
export const FAST_READS = 8;

/**
 * The settings the steps run with: fast reads only where they cost no permit a submit may need
 * (SEGMIND_MAX_RPM caps every keyed call, status reads included, with SEGMIND_RPM_SCOPE=all).
 */
export function withFastReadsWhereFree<S extends StepSettings & { maxRequestsPerMinute: number; rpmScope: RpmScope }>(settings: S): S {
  return settings.maxRequestsPerMinute > 0 && settings.rpmScope === "all" ? { ...settings, pollFastMs: 0 } : settings;
}

/** How long after the submit the first status read is due. */
export async function expectedDoneAfterMs(deps: StepDeps, row: GenerationRow): Promise<number> {
  return firstReadAfterMs(await timing(deps, row));
}

/**
 * The wait before the first status read, counted from the submit's acceptance (the row's
 * submittedAt), not from the moment its record committed: writing SUBMITTED can wait behind
 * other writers (50 submits at once on PostgreSQL waited ~0.4 s), and counting from the
 * commit put the first read that much after the job's usual end.
 */
export async function firstReadInMs(deps: StepDeps, row: GenerationRow, now: Date): Promise<number> {
  const since = now.getTime() - (row.submittedAt ?? row.createdAt).getTime();
  return Math.max(0, (await expectedDoneAfterMs(deps, row)) - Math.max(0, since));
}

/** After a read that found the job unfinished: the wait before the next one. */
export async function nextPollInMs(deps: StepDeps, row: GenerationRow, now: Date): Promise<number> {
  const { median, interval, fast } = await timing(deps, row);
  const age = now.getTime() - (row.submittedAt ?? row.createdAt).getTime();
  // The window's reads: two before the median, the median's, and FAST_READS - 3 after it (half a
  // read of slack: a read lands a little after its due time).
  if (median !== null && fast > 0 && age + fast <= Math.min(8 * interval, median) + (FAST_READS - 3) * fast + fast / 2) return fast;
  const overrun = age - firstReadAfterMs({ median, interval, fast });
  return Math.round(Math.min(4 * interval, Math.max(interval, overrun / 4)));
}

interface Timing {
  median: number | null;
  interval: number;
  fast: number;
}

function firstReadAfterMs({ median, interval, fast }: Timing): number {
  if (median === null) return interval;
  const lead = fast > 0 ? 2 * fast : interval;
  return Math.min(8 * interval, Math.max(fast || interval, median - lead));
}

async function timing(deps: StepDeps, row: GenerationRow): Promise<Timing> {
  const interval = deps.settings.pollIntervalMs;
  const fast = deps.settings.pollFastMs > 0 && deps.settings.pollFastMs < interval ? deps.settings.pollFastMs : 0;
  return { median: await deps.progress.upstreamMedianMs(row.duration, row.resolution), interval, fast };
}
