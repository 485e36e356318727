import { earlyEndFor, endEarly } from "../../generations/cancel";
import { IN_FLIGHT_STATUSES } from "../../generations/journal";
import type { GenerationRow } from "../../generations/types";
import { type SegmindError, isSegmindError } from "../../segmind/errors";
import type { SegmindClient, UpstreamCall } from "../../segmind/types";
import { backoffDelayMs } from "../backoff";
import { type Admission, CircuitOpenError, provesOutage } from "../breaker";
import { describeFailure } from "../failures";
import { fingerprintFirstFrame, needsFingerprint } from "../image-fingerprint";
import { type StepDeps, fail, msUntil, persistCritically, requestBody, untilDeadline } from "./deps";
import { firstReadInMs } from "./poll-timing";
import { storeAndSucceed } from "./store";
import { waitForUpstream } from "./upstream-wait";

/**
 * A QUEUED row that is due: take a permit, fingerprint the first frame (once, before the first
 * submit), claim the row (QUEUED -> SUBMITTING, guarded, so one submit per attempt even with
 * several workers) and submit. Returns the wait before the next step.
 */
export async function submitQueued(deps: StepDeps, row: GenerationRow, signal: AbortSignal): Promise<number | null> {
  const now = deps.clock.now();
  const dueIn = (row.nextAttemptAt?.getTime() ?? 0) - now.getTime();
  if (dueIn > 0) return untilDeadline(dueIn, row, now);
  // Segmind is down: hold the row (QUEUED, no attempt used) until it answers again.
  const admission = deps.breaker.admit();
  if (!admission) return waitForUpstream(deps, row);
  try {
    return await submitAdmitted(deps, row, signal, admission, now);
  } finally {
    admission.release();
  }
}

async function submitAdmitted(
  deps: StepDeps,
  row: GenerationRow,
  signal: AbortSignal,
  admission: Admission,
  now: Date,
): Promise<number | null> {
  // SEGMIND_MAX_IN_FLIGHT: a look before taking a permit (queued behind those already waiting
  // at the gate); the claim below enforces the cap exactly.
  if (deps.settings.maxInFlight > 0) {
    const gate = deps.inFlightGate;
    if (gate && !gate.mayTry(row.id)) return parkAtGate(deps, row, now);
    if ((await inFlightCount(deps)) >= deps.settings.maxInFlight) return parkAtGate(deps, row, now);
  }
  const permit = await deps.limiter.acquire("submit");
  if (!permit.granted) return untilDeadline(msUntil(permit.retryAt, now) + jitter(250), row, now);

  let attempt: number | null;
  let claimed = row;
  try {
    if (deps.imageFetcher && needsFingerprint(row)) {
      await fingerprintFirstFrame({ journal: deps.journal, imageFetcher: deps.imageFetcher }, row, (work) =>
        deps.calls.during(row.id, signal, work),
      );
      // The fetch took time: a cancel, a deadline or another worker may have come meanwhile.
      const fresh = await deps.db.generation.findUnique({ where: { id: row.id } });
      if (!fresh || fresh.status !== "QUEUED" || earlyEndFor(fresh, deps.clock.now()) || signal.aborted) {
        await deps.limiter.release("submit");
        return 0;
      }
      claimed = fresh;
    }
    const submitting = await claimRow(deps, claimed);
    attempt = submitting ? submitting.attempts : null;
    if (submitting) claimed = submitting;
  } catch (error) {
    await deps.limiter.release("submit");
    throw error;
  }
  if (attempt === null) {
    await deps.limiter.release("submit");
    // Moved on (canceled, claimed elsewhere), or the in-flight cap filled up meanwhile.
    return deps.settings.maxInFlight > 0 ? parkAtGate(deps, row, deps.clock.now()) : 0;
  }
  return claimed.upstreamMode === "v1"
    ? submitSync(deps, claimed, attempt, signal, admission)
    : submitAsync(deps, claimed, attempt, signal, admission);
}

/** The row as the claim left it (SUBMITTING, `attempts` counting this one), or null. */
function claimRow(deps: StepDeps, row: GenerationRow): Promise<GenerationRow | null> {
  const attempt = row.attempts + 1;
  const waited = row.upstreamWaitSince
    ? ` (after waiting ${Math.round((deps.clock.now().getTime() - row.upstreamWaitSince.getTime()) / 1_000)} s for Segmind to answer again)`
    : "";
  return deps.journal.claimForSubmit(
    row.id,
    { attempts: attempt, nextAttemptAt: null, upstreamWaitSince: null, upstreamWaitReason: null },
    { attempt, message: `submit attempt ${attempt} to ${row.upstream}${waited}` },
    deps.settings.maxInFlight,
  );
}

/** No free place under SEGMIND_MAX_IN_FLIGHT: wait at the gate (woken when one frees), or poll without one. */
function parkAtGate(deps: StepDeps, row: GenerationRow, now: Date): number {
  const gate = deps.inFlightGate;
  if (!gate) return untilDeadline(jitter(deps.settings.pollIntervalMs), row, now);
  gate.park(row.id);
  return untilDeadline(gate.parkedMs, row, now);
}

export function inFlightCount(deps: Pick<StepDeps, "db">): Promise<number> {
  return deps.db.generation.count({ where: { status: { in: [...IN_FLIGHT_STATUSES] } } });
}

async function submitAsync(
  deps: StepDeps,
  row: GenerationRow,
  attempt: number,
  signal: AbortSignal,
  admission: Admission,
): Promise<number> {
  const calls: UpstreamCall[] = [];
  let requestId: string;
  try {
    ({ requestId } = await admission.fire(() => deps.segmind.submit(requestBody(row), { onCall: (call) => calls.push(call) })));
  } catch (error) {
    return handleSubmitFailure(deps, row, attempt, error, calls);
  }
  deps.limiter.passed();
  // Segmind has accepted and will bill this job: its id must reach the database.
  let submitted: GenerationRow | null = null;
  await persistCritically(deps, row.id, requestId, signal, async () => {
    submitted = await deps.journal.transition(
      row.id,
      "SUBMITTING",
      "SUBMITTED",
      { upstreamRequestId: requestId, submittedAt: deps.clock.now() },
      { attempt, calls },
      // The row as the claim left it: on PostgreSQL the record is then one statement (journal.ts auditedAhead).
      { current: row },
    );
  });
  // A cancel that came while the submit was on the wire (the row the transition returned has
  // it) is settled by the next step, at once; otherwise the first status read waits until the
  // job is likely done (poll-timing.ts).
  const fresh = submitted as GenerationRow | null;
  if (!fresh || fresh.cancelRequestedAt) return 0;
  const now = deps.clock.now();
  return untilDeadline(await firstReadInMs(deps, fresh, now), row, now);
}

async function submitSync(
  deps: StepDeps,
  row: GenerationRow,
  attempt: number,
  signal: AbortSignal,
  admission: Admission,
): Promise<number | null> {
  const calls: UpstreamCall[] = [];
  let result: Awaited<ReturnType<SegmindClient["runSync"]>>;
  try {
    result = await admission.fire(() => deps.segmind.runSync(requestBody(row), { onCall: (call) => calls.push(call) }));
  } catch (error) {
    return handleSubmitFailure(deps, row, attempt, error, calls);
  }
  deps.limiter.passed();
  let recorded: GenerationRow | null = null;
  await persistCritically(deps, row.id, result.requestId ?? "(none)", signal, async () => {
    recorded = await deps.journal.transition(
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
    );
  });
  // Canceled (or past its deadline) while the call ran (the row the transition returned says
  // so): the bytes are not kept.
  const stored = recorded as GenerationRow | null;
  const end = stored ? earlyEndFor(stored, deps.clock.now()) : null;
  if (!stored || end) {
    result.body.destroy();
    if (stored && end) await endEarly(deps, stored, end);
    return 0;
  }
  // v1 hands the bytes over once: there is no output URL to fetch again, so no retry.
  try {
    if (await storeAndSucceed(deps, row.id, result.body, result.contentType)) return null;
  } catch (error) {
    await fail(deps, row.id, "STORING", {
      errorCode: "RESULT_DOWNLOAD_FAILED",
      errorMessage: `Segmind billed the job but its video did not arrive intact (${error instanceof Error ? error.message : String(error)}); v1 offers no way to fetch it again`,
    });
  }
  return 0;
}

/**
 * The billing rule: a submit is repeated only when the failure proves Segmind did not accept
 * it (`notAccepted`) and is worth repeating (`transient`); anything else ends the generation.
 */
async function handleSubmitFailure(
  deps: StepDeps,
  row: GenerationRow,
  attempt: number,
  error: unknown,
  calls: readonly UpstreamCall[],
): Promise<number> {
  // Segmind is down (this failure opened the circuit, or found it open): hold, using no attempt.
  if (error instanceof CircuitOpenError || (provesOutage(error) && deps.breaker.state !== "closed")) {
    return holdForOutage(deps, row, attempt, error, calls);
  }
  if (!isSegmindError(error)) {
    await deps.journal.recordCalls(row.id, calls, attempt);
    throw error;
  }
  if (error.kind === "RATE_LIMITED") return handleRateLimitedSubmit(deps, row, attempt, error, calls);
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
        calls,
        errorCode: error.kind,
        message: `not accepted by Segmind (${error.kind}${error.httpStatus ? `, HTTP ${error.httpStatus}` : ""}), so nothing was billed; retry ${attempt + 1} of ${deps.settings.submitMaxAttempts} at ${nextAttemptAt.toISOString()}`,
      },
    );
    return untilDeadline(delay, row, deps.clock.now());
  }
  await fail(deps, row.id, "SUBMITTING", describeFailure(error, "submit"), {}, { attempt, calls });
  return 0;
}

/**
 * The submit proved Segmind down (5xx, no connection) and the circuit is now open, or the
 * circuit opened before it went (nothing sent): nothing was billed, and an outage is not the
 * row's fault, so it goes back to QUEUED without using one of its attempts. Its next step finds
 * the circuit open and marks it waiting (upstream-wait.ts).
 */
async function holdForOutage(
  deps: StepDeps,
  row: GenerationRow,
  attempt: number,
  error: unknown,
  calls: readonly UpstreamCall[],
): Promise<number> {
  const what =
    error instanceof CircuitOpenError
      ? "not sent: Segmind's circuit opened before it went"
      : `not accepted by Segmind (${(error as SegmindError).kind}${(error as SegmindError).httpStatus ? `, HTTP ${(error as SegmindError).httpStatus}` : ""})`;
  await deps.journal.transition(
    row.id,
    "SUBMITTING",
    "QUEUED",
    { attempts: attempt - 1, nextAttemptAt: null },
    {
      attempt,
      calls,
      errorCode: error instanceof CircuitOpenError ? "CIRCUIT_OPEN" : (error as SegmindError).kind,
      message: `${what}, so nothing was billed; Segmind is down (circuit open), so no attempt was used: it waits for Segmind to answer again`,
    },
  );
  return 0;
}

/**
 * 429 on a submit: Segmind refused it without looking at it, so nothing was billed and it is
 * not counted as one of the row's attempts. Every keyed call of every instance waits until the
 * reset time, and so does the row; only a row rate-limited `rateLimitMaxWaits` times fails.
 */
async function handleRateLimitedSubmit(
  deps: StepDeps,
  row: GenerationRow,
  attempt: number,
  error: SegmindError,
  calls: readonly UpstreamCall[],
): Promise<number> {
  const reopensAt = await deps.limiter.rateLimited(error.resetAt);
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
      { attempt, calls },
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
      calls,
      errorCode: "RATE_LIMITED",
      message: `rate-limited by Segmind (HTTP 429${error.resetAt ? `, reset at ${error.resetAt.toISOString()}` : ", no reset time given"}), so nothing was billed and no attempt was used; every submit waits until ${reopensAt.toISOString()} (wait ${waits} of at most ${deps.settings.rateLimitMaxWaits})`,
    },
  );
  return untilDeadline(msUntil(reopensAt, deps.clock.now()), row, deps.clock.now());
}

/** A random share of `ms` on top of it, so steps freed at one moment do not all go at once. */
function jitter(ms: number): number {
  return Math.round(ms * (1 + Math.random() * 0.5));
}
