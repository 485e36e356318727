import type { GenerationRow } from "../../generations/types";
import type { StepDeps } from "./deps";

/**
 * When to read a job's status: not every few seconds from the submit, but when it is likely
 * done. The likely time is the median submitted-to-completed time of recent successes of the
 * same duration and resolution (the progress estimate's own figure), less one poll interval,
 * so the first read lands just before the job usually finishes and the next one just after;
 * with no history yet, one poll interval, and never more than eight (the median also holds
 * jobs that outlived a restart or an outage). Past that point reads grow sparser the longer the
 * job overruns: a quarter of the overrun, between one and four poll intervals.
 *
 * The margin keeps the estimate honest: the median includes how late the job was seen done,
 * and starting one interval early means that lateness never grows from run to run.
 *
 * These are waits (real time passing); the first is returned by the submit step itself, so no
 * decision depends on the gateway's clock having moved.
 */

/** How long after the submit the first status read is due. */
export async function expectedDoneAfterMs(deps: StepDeps, row: GenerationRow): Promise<number> {
  const interval = deps.settings.pollIntervalMs;
  const median = await deps.progress.recordedMedianMs(row.duration, row.resolution);
  return median === null ? interval : Math.min(8 * interval, Math.max(interval, median - interval));
}

/** After a read that found the job unfinished: the wait before the next one. */
export async function nextPollInMs(deps: StepDeps, row: GenerationRow, now: Date): Promise<number> {
  const interval = deps.settings.pollIntervalMs;
  const submittedAt = (row.submittedAt ?? row.createdAt).getTime();
  const overrun = now.getTime() - submittedAt - (await expectedDoneAfterMs(deps, row));
  return Math.round(Math.min(4 * interval, Math.max(interval, overrun / 4)));
}
