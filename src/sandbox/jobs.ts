import type { GenerationInput } from "./validation";
import { readStateFile, writeStateFileAtomically } from "./state-file";

/**
 * The stand-in's account: the dollar balance and the v2 jobs. A job's phase is derived from
 * the clock (no timers), so a test that moves `now` forward moves every job with it, and a
 * restarted stand-in that loaded the state file picks up each job where the clock says it is.
 * Money is kept in integer micro-dollars so repeated charges do not drift.
 */

export type JobPhase = "QUEUED" | "PROCESSING" | "COMPLETED" | "FAILED";

export interface Job {
  id: string;
  createdAtMs: number;
  /** Submit -> finished; fixed at creation so a restart with other options keeps the timeline. */
  durationMs: number;
  input: GenerationInput;
  /** The request's seed, or the one derived from the id. */
  seed: number;
  priceMicros: number;
  /** Balance right after this job was charged, as the result's metrics report it. */
  remainingAfterChargeMicros: number;
  /** The prompt carried the failure marker: the job ends FAILED and is refunded. */
  fails: boolean;
  refunded: boolean;
  /** When a status read first found it COMPLETED: how late its client saw it done (the bench's timings). */
  doneReadAtMs?: number;
}

export interface JobStoreOptions {
  now: () => number;
  /** Status/result/poll answer 404 after this long. */
  requestTtlMs: number;
  /** The output file stays downloadable this long (Segmind: 7 days). */
  outputTtlMs: number;
  initialBalanceMicros: number;
  stateFile?: string;
}

interface StoredState {
  version: 1;
  balanceMicros: number;
  jobs: Job[];
}

/** Share of a job's duration spent QUEUED before it turns PROCESSING. */
const QUEUED_SHARE = 0.2;

export function toMicros(usd: number): number {
  return Math.round(usd * 1_000_000);
}

export function toUsd(micros: number): number {
  return micros / 1_000_000;
}

/** Segmind's metrics for a job, in seconds, split like its phases. */
export function jobTimings(job: Job): { inference_time: number; queue_time: number; total_time: number } {
  const total = job.durationMs / 1000;
  const queue = total * QUEUED_SHARE;
  return { inference_time: round3(total - queue), queue_time: round3(queue), total_time: round3(total) };
}

function round3(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}

export class JobStore {
  private readonly jobs = new Map<string, Job>();
  private balance: number;
  private writes: Promise<void> = Promise.resolve();

  private constructor(private readonly options: JobStoreOptions, state?: StoredState) {
    this.balance = state?.balanceMicros ?? options.initialBalanceMicros;
    for (const job of state?.jobs ?? []) this.jobs.set(job.id, job);
  }

  /** Loads the state file when there is one; otherwise starts with the initial balance. */
  static async open(options: JobStoreOptions): Promise<JobStore> {
    const state = options.stateFile ? await readStateFile<StoredState>(options.stateFile) : undefined;
    if (state && state.version !== 1) throw new Error(`Unknown sandbox state version in ${options.stateFile}`);
    return new JobStore(options, state);
  }

  balanceMicros(): number {
    this.settle();
    return this.balance;
  }

  /** Deducts the price if the balance covers it. Synchronous, so check and charge are one step. */
  charge(priceMicros: number): boolean {
    this.settle();
    if (this.balance < priceMicros) return false;
    this.balance -= priceMicros;
    return true;
  }

  add(job: Job): void {
    this.jobs.set(job.id, job);
  }

  /** Every job ever accepted, expired records included (for tests that count submits). */
  all(): Job[] {
    return [...this.jobs.values()];
  }

  /** The job behind status/result/poll URLs, while its record has not expired. */
  find(id: string): Job | undefined {
    this.settle();
    const job = this.jobs.get(id);
    if (!job || this.options.now() - job.createdAtMs >= this.options.requestTtlMs) return undefined;
    return job;
  }

  /** The job behind a public output URL: completed and not yet deleted. */
  findOutput(id: string): Job | undefined {
    this.settle();
    const job = this.jobs.get(id);
    return job && this.phase(job) === "COMPLETED" ? job : undefined;
  }

  phase(job: Job): JobPhase {
    const elapsed = this.options.now() - job.createdAtMs;
    if (elapsed >= job.durationMs) return job.fails ? "FAILED" : "COMPLETED";
    return elapsed < job.durationMs * QUEUED_SHARE ? "QUEUED" : "PROCESSING";
  }

  /** Writes the current state (when a state file is configured); resolves once it is on disk. */
  persist(): Promise<void> {
    const { stateFile } = this.options;
    if (!stateFile) return Promise.resolve();
    // Chained, so writes land in order; each writes the state as it is when its turn comes.
    const write = this.writes.then(() => writeStateFileAtomically(stateFile, this.snapshot()));
    this.writes = write.catch((error: unknown) => {
      console.error(`sandbox: could not write ${stateFile}:`, error);
    });
    return write;
  }

  /** Waits for pending writes (used on close). */
  flush(): Promise<void> {
    return this.writes;
  }

  /** Refunds jobs that have reached FAILED and forgets jobs whose output has expired. */
  private settle(): void {
    const now = this.options.now();
    let changed = false;
    for (const job of this.jobs.values()) {
      if (job.fails && !job.refunded && this.phase(job) === "FAILED") {
        job.refunded = true;
        this.balance += job.priceMicros;
        changed = true;
      }
      const keepFor = job.fails ? this.options.requestTtlMs : this.options.outputTtlMs;
      if (now - job.createdAtMs >= Math.max(keepFor, job.durationMs)) {
        this.jobs.delete(job.id);
        changed = true;
      }
    }
    if (changed) void this.persist().catch(() => undefined);
  }

  private snapshot(): StoredState {
    return { version: 1, balanceMicros: this.balance, jobs: [...this.jobs.values()] };
  }
}
