/** Delays longer than this are left to BullMQ alone: ~100 ms late does not matter to them. */
const MAX_AHEAD_MS = 60_000;
/** Wake-ups due within this many ms of each other share one write. */
const BUCKET_MS = 5;

/**
 * BullMQ starts a delayed job when a worker's blocking wait (BZPOPMIN on the queue's marker
 * key, with a timeout to the next job's due time) ends. Redis ends such a timeout on its own
 * clock tick (`hz`, 10 a second by default), so every delayed step began up to ~100 ms late:
 * measured, 500 steps each delayed 100 ms started p50 99 ms late (9 ms with `hz 100`). The
 * fast status reads around a job's usual end are 100 ms apart: each came twice as late as
 * scheduled, on every instance of a deployment on Redis.
 *
 * So at a delayed job's due time this process writes a wake-up: `wake` adds the marker BullMQ
 * itself adds when a job is waiting. A blocked worker returns at once, and its fetch promotes
 * the delayed jobs that are due, only those (a wake-up with nothing due costs one empty
 * fetch). Only timing changes: if this process stops first, BullMQ starts the job on its own
 * tick, as before.
 */
export class DueWakeups {
  private readonly timers = new Map<number, NodeJS.Timeout>();

  constructor(
    private readonly wake: () => Promise<unknown>,
    private readonly failed: (error: unknown) => void,
  ) {}

  /** A wake-up at `atMs` (epoch ms), shared with any other due in the same few ms. */
  at(atMs: number): void {
    const bucket = Math.ceil(atMs / BUCKET_MS) * BUCKET_MS;
    if (this.timers.has(bucket) || bucket - Date.now() > MAX_AHEAD_MS) return;
    const timer = setTimeout(() => {
      this.timers.delete(bucket);
      this.wake().catch(this.failed);
    }, Math.max(0, bucket - Date.now()));
    timer.unref();
    this.timers.set(bucket, timer);
  }

  stop(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
