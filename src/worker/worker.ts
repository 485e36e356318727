import { endEarly } from "../generations/cancel";
import { TERMINAL_STATUSES } from "../generations/status";
import type { Logger } from "../logger";
import { backoffDelayMs, sleep } from "./backoff";
import { type LifecycleDeps, driveGeneration } from "./lifecycle";

/**
 * What the gateway needs from whatever runs generations. Today an in-process worker; a
 * queue-backed one (several instances, Redis) can stand behind the same four methods.
 */
export interface GenerationRunner {
  /** Picks up what a previous process left, then runs new work as it is enqueued. */
  start(): Promise<void>;
  /** Asks for a recorded generation to be run; returns at once. */
  enqueue(id: string): void;
  /** Stops taking work and lets each in-flight step end; rows stay resumable. */
  stop(): Promise<void>;
  /** Resolves when nothing is running or waiting (for tests and draining). */
  idle(): Promise<void>;
  /** True between a successful start and stop: work is being taken (readiness checks it). */
  isRunning(): boolean;
}

export interface WorkerOptions {
  /** Generations driven at once; the rest wait QUEUED, in creation order. */
  concurrency: number;
  /** How often to look for rows nobody is driving (e.g. enqueued by another process). */
  sweepIntervalMs: number;
  /** How often to expire rows past their deadline that no drive is looking at. */
  deadlineCheckMs: number;
}

export class InProcessWorker implements GenerationRunner {
  private readonly waiting: string[] = [];
  private readonly known = new Set<string>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly abort = new AbortController();
  private idleWaiters: Array<() => void> = [];
  private sweepTimer: NodeJS.Timeout | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private started = false;
  private stopping = false;

  constructor(
    private readonly deps: LifecycleDeps,
    private readonly options: WorkerOptions,
    private readonly logger: Logger = deps.logger,
  ) {}

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const resumed = await this.sweep();
    if (resumed > 0) this.logger.info("resuming unfinished generations", { count: resumed });
    this.sweepTimer = setInterval(() => {
      this.sweep().catch((error) => this.logger.warn("worker sweep failed", { error }));
    }, this.options.sweepIntervalMs);
    this.sweepTimer.unref();
    this.deadlineTimer = setInterval(() => {
      this.expireOverdue().catch((error) => this.logger.warn("deadline sweep failed", { error }));
    }, this.options.deadlineCheckMs);
    this.deadlineTimer.unref();
  }

  enqueue(id: string): void {
    if (this.stopping || this.known.has(id)) return;
    this.known.add(id);
    this.waiting.push(id);
    if (this.started) this.pump();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.sweepTimer);
    clearInterval(this.deadlineTimer);
    this.waiting.length = 0;
    this.abort.abort(new Error("worker stopping"));
    await Promise.allSettled(this.running.values());
    this.notifyIfIdle();
  }

  isRunning(): boolean {
    return this.started && !this.stopping;
  }

  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Enqueues every unfinished row not already known here, oldest first. */
  private async sweep(): Promise<number> {
    const rows = await this.deps.db.generation.findMany({
      where: { status: { notIn: [...TERMINAL_STATUSES] } },
      select: { id: true },
      orderBy: { id: "asc" },
    });
    let added = 0;
    for (const { id } of rows) {
      if (!this.known.has(id)) {
        this.enqueue(id);
        added += 1;
      }
    }
    this.pump();
    return added;
  }

  /**
   * Rows past their deadline end as EXPIRED even while they wait for a worker slot. Rows being
   * driven are woken by the write and stop; a row mid-submit is left to its drive, which ends
   * it once Segmind has answered.
   */
  private async expireOverdue(): Promise<number> {
    const now = this.deps.clock.now();
    const rows = await this.deps.db.generation.findMany({
      where: { deadlineAt: { lte: now }, status: { notIn: [...TERMINAL_STATUSES, "SUBMITTING"] } },
      orderBy: { id: "asc" },
      take: 500,
    });
    let expired = 0;
    for (const row of rows) {
      if (await endEarly(this.deps, row, "EXPIRED")) expired += 1;
    }
    return expired;
  }

  private pump(): void {
    while (!this.stopping && this.running.size < this.options.concurrency && this.waiting.length > 0) {
      const id = this.waiting.shift() as string;
      const run = this.drive(id).finally(() => {
        this.running.delete(id);
        this.known.delete(id);
        this.pump();
        this.notifyIfIdle();
      });
      this.running.set(id, run);
    }
  }

  /** Drives one generation; unexpected faults (a database outage) are retried, not dropped. */
  private async drive(id: string): Promise<void> {
    for (let attempt = 1; !this.abort.signal.aborted; attempt += 1) {
      try {
        await driveGeneration(this.deps, id, this.abort.signal);
        return;
      } catch (error) {
        this.logger.error("generation step failed unexpectedly; will retry", { generationId: id, attempt, error });
        await sleep(backoffDelayMs(attempt, { baseMs: 500, capMs: 30_000 }), this.abort.signal).catch(() => undefined);
      }
    }
  }

  private isIdle(): boolean {
    return this.running.size === 0 && this.waiting.length === 0;
  }

  private notifyIfIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
