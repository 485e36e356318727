import type { GenerationRow } from "../../generations/types";
import type { Outage } from "../breaker";
import { type StepDeps, fail, msUntil, untilDeadline } from "./deps";

/**
 * Segmind is down (the submit breaker is open, or its one probe is taken): the row stays QUEUED
 * and uses no submit attempt. The first time in an outage it is marked waiting
 * (`upstreamWaitSince`/`upstreamWaitReason`, shown as `Generation.waitingForUpstream`) with one
 * WAITING_FOR_UPSTREAM event. It looks again when the next probe may go, and is woken at once
 * when Segmind answers again (resume.ts). Its deadline still applies (advance.ts ends it as
 * EXPIRED); without one it fails UPSTREAM_OUTAGE after UPSTREAM_OUTAGE_MAX_WAIT_MS of waiting.
 * Returns the wait before its next step.
 */
export async function waitForUpstream(deps: StepDeps, row: GenerationRow): Promise<number> {
  const outage = deps.breaker.outage();
  if (!outage) return 0; // Segmind answered again meanwhile: go.
  const now = deps.clock.now();
  const since = row.upstreamWaitSince ?? (await markWaiting(deps, row, outage, now));
  if (since === null) return 0; // the row moved on (canceled, claimed elsewhere)
  const giveUpAt = since.getTime() + deps.settings.outageMaxWaitMs;
  if (!row.deadlineAt && now.getTime() >= giveUpAt) {
    const waitedS = Math.round((now.getTime() - since.getTime()) / 1_000);
    await fail(deps, row.id, "QUEUED", {
      errorCode: "UPSTREAM_OUTAGE",
      errorMessage: `Segmind stayed down for the ${waitedS} s this generation waited (UPSTREAM_OUTAGE_MAX_WAIT_MS is ${deps.settings.outageMaxWaitMs} ms; ${outage.reason}); nothing was sent while it waited and nothing was billed`,
    });
    return 0;
  }
  // Look again when the next probe may go (a woken row may be the probe); the close wakes it anyway.
  const untilProbe = outage.nextProbeAt ? msUntil(outage.nextProbeAt, now) : deps.breaker.settings.probeAfterMs;
  const wait = Math.round(untilProbe + Math.random() * Math.min(1_000, deps.breaker.settings.probeAfterMs / 4)) + 1;
  return untilDeadline(row.deadlineAt ? wait : Math.min(wait, giveUpAt - now.getTime()), row, now);
}

/**
 * Marks the row waiting, once per outage: a row already marked in this outage (it was the probe
 * that failed, or a submit refused as the circuit opened) keeps the time of its first mark and
 * gets no second event. Returns since when it waits, or null when the row moved on.
 */
async function markWaiting(deps: StepDeps, row: GenerationRow, outage: Outage, now: Date): Promise<Date | null> {
  const earlier = await deps.db.generationEvent.findFirst({
    where: { generationId: row.id, type: "WAITING_FOR_UPSTREAM", createdAt: { gte: outage.since } },
    orderBy: { id: "asc" },
    select: { createdAt: true },
  });
  const since = earlier?.createdAt ?? now;
  const reason = `Segmind is down since ${outage.since.toISOString()}: ${outage.reason}`;
  const giveUp = row.deadlineAt
    ? `its deadline (${row.deadlineAt.toISOString()})`
    : `${new Date(since.getTime() + deps.settings.outageMaxWaitMs).toISOString()} (UPSTREAM_OUTAGE_MAX_WAIT_MS), then fails UPSTREAM_OUTAGE`;
  const marked = await deps.journal.annotate(
    row.id,
    "QUEUED",
    { upstreamWaitSince: since, upstreamWaitReason: reason },
    earlier
      ? null
      : {
          type: "WAITING_FOR_UPSTREAM",
          details: {
            errorCode: "CIRCUIT_OPEN",
            message: `${reason}. Submits are held (the circuit breaker is open; one probe at a time checks whether Segmind is back): this generation stays QUEUED, uses no submit attempt, and goes as soon as Segmind answers again. It waits at most until ${giveUp}.`,
          },
        },
  );
  return marked ? since : null;
}
