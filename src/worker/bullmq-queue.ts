import { DelayedError, type Job, Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "../logger";
import { DueWakeups } from "./due-wakeups";
import type { StepHandler, StepQueue, StepQueueCounts } from "./queue";

export interface BullMqQueueOptions {
  /** A connection made with `maxRetriesPerRequest: null` (BullMQ workers need it); not closed here. */
  connection: Redis;
  /** Key prefix of every queue key, so several deployments (or test files) share one Redis. */
  prefix: string;
  /** Steps run at once in this process. */
  concurrency: number;
  logger: Logger;
  /** Wait before a step that threw is tried again. */
  retryDelayMs: (failures: number) => number;
  /**
   * How long a job stays locked to an instance without a renewal. An instance that dies holds
   * its jobs this long (up to twice) before BullMQ's stalled-job check hands them to another.
   */
  lockDurationMs?: number;
  /** The BullMQ queue's name: "generations" (default) or "webhooks" (the outbox's deliveries). */
  name?: string;
  /** What a step is and what its id names, for log lines; default ["generation", "generationId"]. */
  logAs?: readonly [noun: string, idField: string];
}

const QUEUE_NAME = "generations";
const JOB_NAME = "advance";
/** Steps that say "go on at once" run in the same job turn, up to this many, to spare Redis. */
const STEPS_PER_TURN = 20;
/** Job data: how many steps in a row threw (backoff), nothing else (the row is the truth). */
interface JobData {
  failures?: number;
}

/**
 * The distributed queue: BullMQ on Redis, one job per generation id (`jobId`, so adding an id
 * that has a job is a no-op), delayed jobs for the next step (`moveToDelayed`), and BullMQ's
 * stalled-job recovery when an instance dies mid-step (its lock lapses; another takes the job).
 * A finished generation's job is removed, so the id could be scheduled again.
 */
export class BullMqStepQueue implements StepQueue {
  readonly kind = "bullmq" as const;
  private readonly queue: Queue<JobData>;
  private worker: Worker<JobData> | null = null;
  private readonly abort = new AbortController();
  private running = 0;
  /** Delayed jobs started when due, not on Redis' next tick (due-wakeups.ts). */
  private readonly wakeups: DueWakeups;

  constructor(private readonly options: BullMqQueueOptions) {
    this.queue = new Queue<JobData>(options.name ?? QUEUE_NAME, {
      connection: options.connection,
      prefix: options.prefix,
      defaultJobOptions: { removeOnComplete: true, removeOnFail: true },
    });
    this.queue.on("error", (error) => options.logger.warn("queue connection error", { error }));
    // The marker BullMQ adds for a waiting job (score 0, member "0"): a blocked worker fetches.
    const marker = this.queue.keys.marker as string;
    this.wakeups = new DueWakeups(
      () => options.connection.zadd(marker, 0, "0"),
      (error) => options.logger.warn("queue wake-up failed; the job starts on Redis' next tick", { error }),
    );
  }

  async start(handler: StepHandler): Promise<void> {
    const lockDuration = this.options.lockDurationMs ?? 30_000;
    this.worker = new Worker<JobData>(this.options.name ?? QUEUE_NAME, (job, token) => this.process(handler, job, token), {
      connection: this.options.connection,
      prefix: this.options.prefix,
      concurrency: this.options.concurrency,
      lockDuration,
      stalledInterval: lockDuration,
      // A job that stalls is handed on, however often: its generation must still finish.
      maxStalledCount: 1_000,
    });
    this.worker.on("error", (error) => this.options.logger.warn("queue worker error", { error }));
    await this.worker.waitUntilReady();
  }

  async schedule(id: string, atMs: number = Date.now()): Promise<void> {
    const delay = Math.max(0, atMs - Date.now());
    await this.queue.add(JOB_NAME, {}, { jobId: id, delay });
    if (delay > 0) this.wakeups.at(atMs);
  }

  async scheduleMany(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.queue.addBulk(ids.map((id) => ({ name: JOB_NAME, data: {}, opts: { jobId: id } })));
  }

  async wake(id: string): Promise<void> {
    const job = await this.queue.getJob(id);
    // A job that is running now reads the row again when its step ends; only a waiting one moves.
    if (job && (await job.isDelayed())) await job.promote();
  }

  async stop(): Promise<void> {
    this.wakeups.stop();
    this.abort.abort(new Error("worker stopping"));
    await this.worker?.close();
    await this.queue.close();
  }

  async idle(): Promise<void> {
    for (;;) {
      const counts = await this.queue.getJobCounts("active", "waiting", "delayed", "prioritized");
      if (Object.values(counts).every((count) => count === 0)) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  async counts(): Promise<StepQueueCounts> {
    const counts = await this.queue.getJobCounts("waiting", "delayed", "prioritized");
    return { scheduled: Object.values(counts).reduce((sum, count) => sum + count, 0), running: this.running };
  }

  /** One job turn: steps until one asks to wait, then the job goes back to the delayed set. */
  private async process(handler: StepHandler, job: Job<JobData>, token?: string): Promise<void> {
    const id = job.id as string;
    const signal = this.abort.signal;
    this.running += 1;
    let nextMs: number | null = 0;
    try {
      for (let step = 0; step < STEPS_PER_TURN && nextMs === 0 && !signal.aborted; step += 1) {
        nextMs = await handler(id, signal);
      }
      if (job.data.failures) await job.updateData({});
    } catch (error) {
      const failures = (job.data.failures ?? 0) + 1;
      const [noun, idField] = this.options.logAs ?? ["generation", "generationId"];
      this.options.logger.error(`${noun} step failed unexpectedly; will retry`, { [idField]: id, failures, error });
      await job.updateData({ failures });
      nextMs = this.options.retryDelayMs(failures);
    } finally {
      this.running -= 1;
    }
    if (nextMs === null) return; // finished: the job completes and is removed
    // Stopping: back to the queue at once, for an instance that keeps running.
    const dueAt = Date.now() + nextMs;
    await job.moveToDelayed(dueAt, token);
    if (nextMs > 0 && !this.abort.signal.aborted) this.wakeups.at(dueAt);
    throw new DelayedError();
  }
}
