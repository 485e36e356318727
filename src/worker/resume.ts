import type { Db } from "../db/client";
import type { Logger } from "../logger";
import type { SubmitBreaker } from "./breaker";

/** Rows read per page when waking every waiting generation. */
const PAGE = 500;

/**
 * Wakes held generations when Segmind's circuit changes, so nothing waits for a slow timer or
 * the reconciler: when a probe may go, the oldest waiting generation (it becomes the probe);
 * when Segmind answers again, every waiting one, oldest first. Waking is the queue's `wake`, so
 * with BullMQ it reaches jobs scheduled by any instance.
 */
export function wakeOnRecovery(breaker: SubmitBreaker, db: Db, wake: (id: string) => void, logger: Logger): void {
  const waiting = (after: string | null, take: number) =>
    db.generation.findMany({
      where: { status: "QUEUED", upstreamWaitSince: { not: null }, ...(after ? { id: { gt: after } } : {}) },
      select: { id: true },
      orderBy: { id: "asc" },
      take,
    });
  breaker.listen({
    opened(outage, newOutage) {
      if (newOutage) {
        logger.warn("Segmind is down: submits are held until it answers again", {
          reason: outage.reason,
          nextProbeAt: outage.nextProbeAt?.toISOString(),
        });
      } else {
        logger.info("the probe submit failed; Segmind's circuit stays open", {
          reason: outage.reason,
          failedProbes: outage.failedProbes,
          nextProbeAt: outage.nextProbeAt?.toISOString(),
        });
      }
    },
    halfOpened() {
      waiting(null, 1)
        .then((rows) => rows.forEach((row) => wake(row.id)))
        .catch((error) => logger.warn("could not wake a generation to probe Segmind; a waiting one will", { error }));
    },
    closed(outage, outageMs) {
      logger.info("Segmind answers again: resuming every waiting generation", {
        since: outage.since.toISOString(),
        outageMs,
        failedProbes: outage.failedProbes,
      });
      (async () => {
        let woken = 0;
        for (let after: string | null = null; ; ) {
          const rows = await waiting(after, PAGE);
          for (const row of rows) wake(row.id);
          woken += rows.length;
          if (rows.length < PAGE) break;
          after = rows[rows.length - 1]!.id;
        }
        logger.info("woke the generations that waited for Segmind", { count: woken });
      })().catch((error) => logger.warn("could not wake every waiting generation; each looks again at its next probe time", { error }));
    },
  });
}
