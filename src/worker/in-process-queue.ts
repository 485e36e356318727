import { Heap } from "heap-js";
import type { Logger } from "../logger";
import type { StepHandler, StepQueue, StepQueueCounts } from "./queue";

export interface InProcessQueueOptions {
  /** Steps run at once in this process. */
  concurrency: number;
  logger: Logger;
  /** Wait before a step that threw is tried again. */
  retryDelayMs: (failures: number) => number;
  /** What a step is and what its id names, for log lines; default ["generation", "generationId"]. */
  logAs?: readonly [noun: string, idField: string];
}

interface Entry {
  id: string;
  atMs: number;
  /** Only the newest entry of an id counts; older ones are skipped when they surface. */
  version: number;
}

/**
 * The embedded default: every scheduled step of every generation in ONE min-heap ordered by
 * due time, and one timer for the earliest of them. A generation waiting 40 s for Segmind
 * costs a heap entry and a map slot, not a suspended loop with its own timers.
 *
 * An id is either scheduled (in `due`), running (in `running`), or neither. Scheduling a
 * running id records a wake-up, which the step's own answer is combined with when it returns,
 * so an id never runs twice at once.
 */
export class InProcessStepQueue implements StepQueue {
  readonly kind = "in-process" as const;
  private readonly heap = new Heap<Entry>((a, b) => a.atMs - b.atMs || a.version - b.version);
  private readonly due = new Map<string, Entry>();
  private readonly running = new Map<string, Promise<void>>();
  /** Running ids someone asked to advance again, and from when. */
  private readonly wakeWhileRunning = new Map<string, number>();
  private readonly failures = new Map<string, number>();
  private readonly abort = new AbortController();
  private handler: StepHandler | null = null;
  private timer: NodeJS.Timeout | undefined;
  private timerAtMs = Number.POSITIVE_INFINITY;
  private version = 0;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly options: InProcessQueueOptions) {}

  async start(handler: StepHandler): Promise<void> {
    this.handler = handler;
    this.pump();
  }

  async schedule(id: string, atMs: number = this.now()): Promise<void> {
    if (this.stopped) return;
    if (this.running.has(id)) {
      this.wakeWhileRunning.set(id, Math.min(atMs, this.wakeWhileRunning.get(id) ?? atMs));
      return;
    }
    const current = this.due.get(id);
    if (current && current.atMs <= atMs) return;
    this.put(id, atMs);
    this.pump();
  }

  /** Adds the ids that have no job yet, due now; a scheduled or running id keeps its time. */
  async scheduleMany(ids: readonly string[]): Promise<void> {
    if (this.stopped) return;
    const now = this.now();
    for (const id of ids) if (!this.due.has(id) && !this.running.has(id)) this.put(id, now);
    this.pump();
  }

  wake(id: string): Promise<void> {
    // Only an id that is waiting moves; one that is not known needs no wake-up.
    if (!this.due.has(id) && !this.running.has(id)) return Promise.resolve();
    return this.schedule(id, this.now());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.heap.clear();
    this.due.clear();
    this.abort.abort(new Error("worker stopping"));
    await Promise.allSettled(this.running.values());
    this.notifyIfIdle();
  }

  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async counts(): Promise<StepQueueCounts> {
    return { scheduled: this.due.size, running: this.running.size };
  }

  /** Real time, not the gateway's injectable clock: steps ask for waits, which pass in real time. */
  private now(): number {
    return Date.now();
  }

  private put(id: string, atMs: number): void {
    const entry = { id, atMs, version: ++this.version };
    this.due.set(id, entry);
    this.heap.push(entry);
  }

  /** Starts every due step there is room for, then sets the one timer for the next. */
  private pump(): void {
    if (this.stopped || !this.handler) return;
    const now = this.now();
    while (this.running.size < this.options.concurrency) {
      const top = this.heap.peek();
      if (!top) break;
      if (this.due.get(top.id) !== top) {
        this.heap.pop(); // superseded by a newer entry of the same id
        continue;
      }
      if (top.atMs > now) break;
      this.heap.pop();
      this.due.delete(top.id);
      this.run(top.id);
    }
    this.arm();
    this.notifyIfIdle();
  }

  private arm(): void {
    let top = this.heap.peek();
    while (top && this.due.get(top.id) !== top) {
      this.heap.pop();
      top = this.heap.peek();
    }
    // With every slot taken, the next finishing step pumps again; no timer needed.
    const atMs = top && this.running.size < this.options.concurrency ? top.atMs : Number.POSITIVE_INFINITY;
    if (atMs === this.timerAtMs) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAtMs = atMs;
    if (atMs === Number.POSITIVE_INFINITY) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAtMs = Number.POSITIVE_INFINITY;
      this.pump();
    }, Math.max(0, atMs - this.now()));
  }

  private run(id: string): void {
    const handler = this.handler as StepHandler;
    const step = (async () => {
      let nextMs: number | null;
      try {
        nextMs = await handler(id, this.abort.signal);
        this.failures.delete(id);
      } catch (error) {
        const failures = (this.failures.get(id) ?? 0) + 1;
        this.failures.set(id, failures);
        const [noun, idField] = this.options.logAs ?? ["generation", "generationId"];
        this.options.logger.error(`${noun} step failed unexpectedly; will retry`, { [idField]: id, failures, error });
        nextMs = this.options.retryDelayMs(failures);
      }
      this.running.delete(id);
      const woken = this.wakeWhileRunning.get(id);
      this.wakeWhileRunning.delete(id);
      if (this.stopped) return;
      const next = nextMs === null ? woken : Math.min(this.now() + nextMs, woken ?? Number.POSITIVE_INFINITY);
      if (next !== undefined) this.put(id, next);
      else this.failures.delete(id);
    })();
    this.running.set(
      id,
      step.finally(() => this.pump()),
    );
  }

  private isIdle(): boolean {
    return this.running.size === 0 && this.due.size === 0;
  }

  private notifyIfIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
