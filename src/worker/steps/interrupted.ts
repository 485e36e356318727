import type { GenerationRow } from "../../generations/types";
import { type StepDeps, fail } from "./deps";

export const SUBMIT_INTERRUPTED = "SUBMIT_INTERRUPTED";

/**
 * The documented rule for a row found in SUBMITTING: its submit was on the wire when the
 * process that made it stopped, and no upstream id was recorded. Segmind may have accepted and
 * billed it, and it offers no way to look a job up without its id, so resubmitting could pay
 * twice. Once the row is older than any submit could still be in flight, it fails with
 * SUBMIT_INTERRUPTED; the client may retry with a new request if it accepts the risk. Until
 * then the step waits: a submit still on the wire elsewhere records its answer meanwhile.
 */
export async function settleInterruptedSubmit(deps: StepDeps, row: GenerationRow): Promise<number> {
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
