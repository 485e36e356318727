import { earlyEndFor, endEarly } from "../generations/cancel";
import { selectGenerationById } from "../generations/history-reads";
import { type GenerationStatus, TERMINAL_STATUSES } from "../generations/status";
import type { RowSeen, StepDeps } from "./steps/deps";
import { settleInterruptedSubmit } from "./steps/interrupted";
import { pollSubmitted } from "./steps/poll";
import { storeFromOutputUrl } from "./steps/store";
import { submitQueued } from "./steps/submit";
import { nameStep } from "../observability/tracing";

/**
 * One step of one generation, whatever queue runs it: read the row (or take it as this process
 * just wrote it, src/generations/row-snapshots.ts), do the one thing its
 * status calls for, and say when the next step is due (null: nothing more to do). Because each
 * step starts from the row, the same code runs fresh work and resumes a dead instance's: queued
 * rows are submitted, rows with an upstream id are polled (never resubmitted), and a row caught
 * mid-submit is settled by the interrupted-submit rule.
 */
export async function advanceGeneration(deps: StepDeps, id: string, signal: AbortSignal): Promise<number | null> {
  // The row this process wrote last, if nothing was notified since (row-snapshots.ts); else read.
  const seen: RowSeen = { version: deps.snapshots?.version(id) ?? 0, at: deps.clock.now().getTime() };
  const kept = deps.snapshots?.take(id);
  if (kept) seen.at = kept.at;
  const row = kept?.row ?? (await selectGenerationById(deps.db, id));
  // Out of SEGMIND_MAX_IN_FLIGHT's line once it is no longer waiting to be submitted (a cancel,
  // a deadline, another instance's claim): no free place is spent on waking it.
  if (row?.status !== "QUEUED") deps.inFlightGate?.leave(id);
  if (!row || TERMINAL_STATUSES.has(row.status as GenerationStatus)) {
    deps.snapshots?.forget(id);
    return null;
  }
  if (signal.aborted) return 0;
  // Canceled or past its deadline: stop here. A row mid-submit waits for Segmind's answer first.
  const end = earlyEndFor(row, deps.clock.now());
  nameStep(end && row.status !== "SUBMITTING" ? "end_early" : stepOf(row.status as GenerationStatus), row.status);
  if (end && row.status !== "SUBMITTING") {
    deps.inFlightGate?.leave(id);
    return (await endEarly(deps, row, end)) ? null : 0;
  }
  switch (row.status as GenerationStatus) {
    case "QUEUED":
      return submitQueued(deps, row, signal);
    case "SUBMITTING":
      return settleInterruptedSubmit(deps, row);
    case "SUBMITTED":
    case "RUNNING":
      return pollSubmitted(deps, row, signal, seen);
    case "STORING":
      return storeFromOutputUrl(deps, row, signal);
    default:
      return null;
  }
}

/** The step a status calls for, as its span is named (`generation.step submit`). */
function stepOf(status: GenerationStatus): string {
  switch (status) {
    case "QUEUED":
      return "submit";
    case "SUBMITTING":
      return "interrupted";
    case "SUBMITTED":
    case "RUNNING":
      return "poll";
    case "STORING":
      return "store";
    default:
      return "none";
  }
}
