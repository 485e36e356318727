/**
 * What the worker needs from a queue: "advance generation X, no later than time T". A job
 * carries nothing but the generation id (the row is the source of truth), and there is at
 * most one job per id, so scheduling an id twice keeps one job, at the earlier time.
 *
 * Two implementations run the same step code (src/worker/advance.ts):
 * - `InProcessStepQueue` (in-process-queue.ts): one timer heap in this process, the embedded
 *   default (no REDIS_URL);
 * - `BullMqStepQueue` (bullmq-queue.ts): BullMQ on Redis, shared by every instance, with
 *   delayed jobs for the next step and stalled-job recovery when an instance dies.
 */
export interface StepQueue {
  /** Runs `handler` for each id that is due, at most `concurrency` at once in this process. */
  start(handler: StepHandler): Promise<void>;
  /** Asks for `id` to be advanced at `atMs` (epoch ms; now when omitted). */
  schedule(id: string, atMs?: number): Promise<void>;
  /** Gives each id without a job one, due now; ids that have one keep it as it is (the reconciler). */
  scheduleMany(ids: readonly string[]): Promise<void>;
  /** Moves an already scheduled id to now (a cancel must not wait for a poll 40 s away). */
  wake(id: string): Promise<void>;
  /** Stops taking jobs, aborts the `signal` of running steps and waits for them to return. */
  stop(): Promise<void>;
  /** Resolves once nothing is scheduled or running (tests, draining). */
  idle(): Promise<void>;
  /** Jobs scheduled or running; for metrics and readiness. */
  counts(): Promise<StepQueueCounts>;
  readonly kind: "in-process" | "bullmq";
}

export interface StepQueueCounts {
  /** Due now or later, not running. */
  scheduled: number;
  /** Running in this process. */
  running: number;
}

/**
 * Advances `id` by one step. Returns how long to wait before the next step (0: at once), or
 * null when the generation needs nothing more (final, or gone). Must return promptly once
 * `signal` aborts (the row stays resumable); throwing means "unexpected, try again later".
 */
export type StepHandler = (id: string, signal: AbortSignal) => Promise<number | null>;
