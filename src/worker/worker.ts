import { TERMINAL_STATUSES } from "../generations/status";
import type { GenerationRow } from "../generations/types";
import { advanceGeneration } from "./advance";
import { inGenerationStep } from "../observability/tracing";
import type { StepQueue, StepQueueCounts } from "./queue";
import { reconcileInPages } from "./reconcile";
import { wakeOnRecovery } from "./resume";
import type { StepDeps } from "./steps/deps";

/**
 * What the gateway needs from whatever runs generations: one worker logic (advance.ts) on a
 * queue that is either in this process or BullMQ on Redis (queue.ts).
 */
export interface GenerationRunner {
  /** Picks up what a previous process left (the reconciler), then runs new work as it comes. */
  start(): Promise<void>;
  /**
   * Asks for a recorded generation to be run; returns at once. `row`: the row as just stored
   * (its first step then need not read it: src/generations/row-snapshots.ts).
   */
  enqueue(id: string, row?: GenerationRow): void;
  /** Someone else changed the row (a cancel): its next step should not wait for its timer. */
  wake(id: string): void;
  /** Stops taking work and lets each step in flight end; rows stay resumable. */
  stop(): Promise<void>;
  /** Resolves when nothing is running or scheduled (for tests and draining). */
  idle(): Promise<void>;
  /** True between a successful start and stop: work is being taken (readiness checks it). */
  isRunning(): boolean;
  /** Steps scheduled and running (metrics). */
  counts(): Promise<StepQueueCounts>;
}

export interface WorkerOptions {
  /** How often to enqueue unfinished rows that have no job (after a Redis flush, another process). */
  reconcileIntervalMs: number;
}

export class GenerationWorker implements GenerationRunner {
  private reconcileTimer: NodeJS.Timeout | undefined;
  private state: "new" | "running" | "stopped" = "new";

  constructor(
    private readonly deps: StepDeps,
    private readonly queue: StepQueue,
    private readonly options: WorkerOptions,
  ) {}

  async start(): Promise<void> {
    if (this.state !== "new") return;
    this.state = "running";
    // Each step a span in its generation's trace (a no-op unless tracing is on).
    await this.queue.start((id, signal) => inGenerationStep(id, () => advanceGeneration(this.deps, id, signal)));
    // Held by Segmind's circuit: woken when a probe may go and when Segmind answers again.
    wakeOnRecovery(this.deps.breaker, this.deps.db, (id) => this.wake(id), this.deps.logger);
    const resumed = await this.reconcile();
    if (resumed > 0) this.deps.logger.info("resuming unfinished generations", { count: resumed });
    this.reconcileTimer = setInterval(() => {
      this.reconcile().catch((error) => this.deps.logger.warn("reconciler failed; trying again later", { error }));
    }, this.options.reconcileIntervalMs);
    this.reconcileTimer.unref();
  }

  enqueue(id: string, row?: GenerationRow): void {
    if (this.state === "stopped") return;
    if (row) this.deps.snapshots?.seed(row);
    // The row is already stored: if the queue cannot take the job now, the reconciler will.
    this.queue.schedule(id).catch((error) =>
      this.deps.logger.warn("could not enqueue a generation; the reconciler will", { generationId: id, error }),
    );
  }

  wake(id: string): void {
    if (this.state === "stopped") return;
    this.queue.wake(id).catch((error) => this.deps.logger.debug("wake-up not delivered", { generationId: id, error }));
  }

  async stop(): Promise<void> {
    if (this.state === "stopped") return;
    this.state = "stopped";
    clearInterval(this.reconcileTimer);
    await this.queue.stop();
    this.deps.calls.close();
    this.deps.inFlightGate?.close();
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  isRunning(): boolean {
    return this.state === "running";
  }

  counts(): Promise<StepQueueCounts> {
    return this.queue.counts();
  }

  /**
   * The row is the source of truth: every unfinished row gets a job unless it has one (the
   * queue deduplicates by id and never moves a job that exists). Oldest first, in pages.
   */
  private reconcile(): Promise<number> {
    return reconcileInPages(
      this.queue,
      (after, take) =>
        this.deps.db.generation.findMany({
          where: { status: { notIn: [...TERMINAL_STATUSES] }, ...(after ? { id: { gt: after } } : {}) },
          select: { id: true },
          orderBy: { id: "asc" },
          take,
        }),
      () => this.state === "running",
    );
  }
}
