import type { GenerationVisibility } from "../auth/visibility";
import type { Db } from "../db/client";
import type { GenerationNotifier } from "./notifier";
import type { ProgressEstimator } from "./progress";
import { type GenerationStatus, TERMINAL_STATUSES } from "./status";
import type { GenerationEventRow, GenerationRow } from "./types";

export interface GenerationUpdate {
  /** EVENT: a new history entry; PROGRESS: a tick while nothing else happened. */
  kind: "EVENT" | "PROGRESS";
  /** The event's sequence, or for a tick the last sequence delivered. */
  sequence: number;
  event: GenerationEventRow | null;
  /** The generation as it is now. */
  generation: GenerationRow;
  progress: number;
  estimatedCompletionAt: Date | null;
}

export interface UpdateStreamDeps {
  db: Db;
  notifier: GenerationNotifier;
  progress: ProgressEstimator;
  /** How often a waiting stream sends a PROGRESS tick for unfinished generations. */
  progressTickMs: number;
}

const BATCH = 100;

/**
 * Every change of one generation after `afterSequence` (all of its history when null), then
 * live ones, ending after the terminal event. Events are always read from the database after
 * the last delivered sequence, and the notifier only says "look again": reconnecting with
 * the last sequence seen gives no gap and no duplicate.
 */
export async function* generationUpdates(
  deps: UpdateStreamDeps,
  generationId: string,
  afterSequence: number | null,
  signal?: AbortSignal,
): AsyncGenerator<GenerationUpdate> {
  const wakeup = new Wakeup();
  const stopListening = deps.notifier.listen((id) => id === generationId && wakeup.ring());
  const clamp = monotonic();
  try {
    let last = afterSequence ?? 0;
    while (!signal?.aborted) {
      const events = await deps.db.generationEvent.findMany({
        where: { generationId, id: { gt: last } },
        orderBy: { id: "asc" },
        take: BATCH,
      });
      const generation = await deps.db.generation.findUnique({ where: { id: generationId } });
      if (!generation) return;
      const view = await deps.progress.view(generation);
      for (const event of events) {
        last = event.id;
        yield { kind: "EVENT", sequence: event.id, event, generation, ...clamp(view) };
      }
      if (events.length === BATCH) continue;
      if (TERMINAL_STATUSES.has(generation.status as GenerationStatus)) return;
      const rang = await wakeup.wait(deps.progressTickMs, signal);
      if (!rang && !signal?.aborted) {
        const current = await deps.db.generation.findUnique({ where: { id: generationId } });
        if (current) {
          yield { kind: "PROGRESS", sequence: last, event: null, generation: current, ...clamp(await deps.progress.view(current)) };
        }
      }
    }
  } finally {
    stopListening();
  }
}

/**
 * Changes of every generation the subscriber may see (`visible`, from visibleTo), in sequence
 * order, after `afterSequence` (only new ones when null), optionally only for generations now
 * in one of `statuses`. Never ends on its own.
 */
export async function* allGenerationUpdates(
  deps: UpdateStreamDeps,
  afterSequence: number | null,
  statuses: readonly GenerationStatus[] | null,
  visible: GenerationVisibility,
  signal?: AbortSignal,
): AsyncGenerator<GenerationUpdate> {
  const wakeup = new Wakeup();
  const stopListening = deps.notifier.listen(() => wakeup.ring());
  const narrowed = { ...visible, ...(statuses?.length ? { status: { in: [...statuses] } } : {}) };
  const generationWhere = Object.keys(narrowed).length > 0 ? narrowed : null;
  try {
    let last = afterSequence ?? (await latestSequence(deps.db));
    while (!signal?.aborted) {
      // Read up to a horizon fixed first: events filtered out below still move the cursor
      // to it, and anything committed after it is read on the next pass.
      const horizon = await latestSequence(deps.db);
      if (horizon > last) {
        const events = await deps.db.generationEvent.findMany({
          where: {
            id: { gt: last, lte: horizon },
            ...(generationWhere ? { generation: generationWhere } : {}),
          },
          orderBy: { id: "asc" },
          take: BATCH,
          include: { generation: true },
        });
        for (const { generation, ...event } of events) {
          last = event.id;
          yield { kind: "EVENT", sequence: event.id, event, generation, ...(await deps.progress.view(generation)) };
        }
        if (events.length === BATCH) continue;
        last = horizon;
      }
      await wakeup.wait(deps.progressTickMs, signal);
    }
  } finally {
    stopListening();
  }
}

async function latestSequence(db: Db): Promise<number> {
  const newest = await db.generationEvent.findFirst({ orderBy: { id: "desc" }, select: { id: true } });
  return newest?.id ?? 0;
}

/** Progress as one subscriber sees it: never lower than what it saw before. */
function monotonic() {
  let highest = 0;
  return (view: { progress: number; estimatedCompletionAt: Date | null }) => {
    highest = Math.max(highest, view.progress);
    return { progress: highest, estimatedCompletionAt: view.estimatedCompletionAt };
  };
}

/** A doorbell that remembers a ring that came while nobody was waiting. */
class Wakeup {
  private rung = false;
  private waiter: ((rang: boolean) => void) | null = null;

  ring(): void {
    if (this.waiter) {
      const resolve = this.waiter;
      this.waiter = null;
      resolve(true);
    } else {
      this.rung = true;
    }
  }

  /** true when rung, false when `ms` passed or the signal aborted. */
  wait(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (this.rung) {
      this.rung = false;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const finish = (rang: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.waiter = null;
        resolve(rang);
      };
      const onAbort = () => finish(false);
      const timer = setTimeout(() => finish(false), ms);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiter = finish;
    });
  }
}
