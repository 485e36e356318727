import type { Logger } from "../logger";

/**
 * SEGMIND_MAX_IN_FLIGHT without busy waiting. While the cap is full, a queued generation parks
 * here (its job stays scheduled, far out) instead of looking at the in-flight count again every
 * poll interval: with a backlog of thousands that was thousands of COUNTs and row reads a
 * second, and the accept path starved (4× fewer generateVideo per second in the bench).
 *
 * One look per `intervalMs` for the whole process, only while something is parked: it counts
 * what is in flight and wakes as many parked generations as there are free places, oldest
 * parked first. A generation that arrives while others are parked queues behind them without
 * a look. The claim (journal.claimForSubmit) still enforces the cap exactly, across instances:
 * the gate only decides who tries. Each instance parks its own generations; a parked job is
 * still a scheduled job (`parkedMs` away), so another instance runs it if this one dies.
 */
export interface InFlightGateOptions {
  cap: number;
  /** Generations in flight now, across every instance. */
  count: () => Promise<number>;
  /** Runs a parked generation's job now (the queue's wake). */
  wake: (id: string) => void;
  /** How often the parked ones are looked at (the poll interval). */
  intervalMs: number;
  logger: Logger;
}

export class InFlightGate {
  /** Parked ids, in the order they parked (a Map keeps insertion order). */
  private readonly parked = new Map<string, true>();
  /** Woken by the gate and not yet through their look: they may try without queueing. */
  private readonly woken = new Map<string, number>();
  /** Woken and trying now: one that finds its place taken (another instance's claim) parks at the front again. */
  private readonly trying = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: InFlightGateOptions) {}

  /** How long a parked job waits when nothing wakes it (a dead instance's, a lost wake-up). */
  get parkedMs(): number {
    return Math.max(30_000, 6 * this.options.intervalMs);
  }

  /**
   * May `id` look at the count and try to claim a place? No while others wait their turn:
   * then it is parked behind them. A woken id tries once.
   */
  mayTry(id: string): boolean {
    if (this.woken.delete(id)) {
      this.trying.add(id);
      return true;
    }
    this.trying.delete(id);
    if (this.parked.has(id)) return false;
    // A newcomer queues behind those parked and those woken that have not tried yet: else it
    // could take the place a woken one was woken for, and send that one to the back.
    return this.parked.size === 0 && this.woken.size === 0;
  }

  /** `id` found no free place (or must queue): park it until a place frees; a woken one keeps its turn. */
  park(id: string): void {
    if (this.closed) return;
    if (this.trying.delete(id) && this.parked.size > 0 && !this.parked.has(id)) {
      const behind = [...this.parked.keys()];
      this.parked.clear();
      this.parked.set(id, true);
      for (const other of behind) this.parked.set(other, true);
    } else {
      this.parked.set(id, true);
    }
    this.arm();
  }

  /** `id` left the queue another way (claimed, canceled, expired): forget it. */
  leave(id: string): void {
    this.parked.delete(id);
    this.woken.delete(id);
    this.trying.delete(id);
  }

  get waiting(): number {
    return this.parked.size;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    if (this.timer || this.closed || this.parked.size === 0) return;
    this.timer = setTimeout(() => {
      this.look().finally(() => {
        this.timer = undefined;
        this.arm();
      });
    }, this.options.intervalMs);
    this.timer.unref();
  }

  private async look(): Promise<void> {
    let free: number;
    try {
      free = this.options.cap - (await this.options.count());
    } catch (error) {
      this.options.logger.warn("could not count the generations in flight; looking again later", { error });
      return;
    }
    // A woken job that never came (canceled meanwhile, run by another instance) is forgotten.
    const stale = Date.now() - this.parkedMs;
    for (const [id, at] of this.woken) if (at < stale) this.woken.delete(id);
    for (const id of this.parked.keys()) {
      if (free <= 0) break;
      this.parked.delete(id);
      this.woken.set(id, Date.now());
      this.options.wake(id);
      free--;
    }
  }
}
