import type { Db } from "../db/client";
import type { Logger } from "../logger";
import { eventExists, selectEventsAfter } from "./feed-reads";
import type { GenerationNotifier } from "./notifier";
import type { OpenTransactionProbe } from "./open-transactions";
import type { GenerationEventRow, GenerationRow } from "./types";

/** One new history entry and its generation as read with it. */
export interface FeedItem {
  event: GenerationEventRow;
  generation: GenerationRow;
}

export interface EventFeedOptions {
  db: Db;
  notifier: GenerationNotifier;
  logger?: Logger;
  /**
   * While anyone listens, read this often even without a wake-up: writes of a process that
   * cannot reach us (several instances without Redis) or a lost pub/sub message.
   */
  safetyReadMs: number;
  /**
   * PostgreSQL hands out sequence values at insert and shows rows at commit, so a reader can
   * see 11 before 10 commits. A missing value is waited for this long, then taken as rolled
   * back. Interactive transactions end within Prisma's 5 s timeout; keep this well above it.
   */
  holeTimeoutMs: number;
  /**
   * PostgreSQL: the transactions open now (open-transactions.ts). With it a missing value is
   * skipped as soon as every transaction that could hold it has ended, not after the timeout.
   */
  openTransactions?: OpenTransactionProbe;
  pageSize?: number;
  /**
   * A read asked for within this long after the last one began waits until then (0: at once).
   * The first after a quiet spell goes at once; in a busy spell the events of this long go to
   * every subscriber together, one batch each (SSE_COALESCE_MS: its writes are paced alike).
   */
  readGapMs?: number;
  now?: () => number;
}

export interface FeedSubscription {
  /** Every event up to it was committed before the subscription began: replay those from the database; the listener gets every event above it, in order. */
  readonly watermark: number;
  close(): void;
}

type Listener = (items: readonly FeedItem[]) => void;

/**
 * The one reader of new generation events in this process. However many subscribers listen,
 * a change costs one read here (on a wake-up from the notifier), and it is handed to each
 * subscriber in memory; idle subscribers cost no database work, and with none listening the
 * feed stops reading. Events are handed out strictly in sequence order, with no gap: a
 * sequence value not yet visible holds back those after it until it commits or times out.
 */
export class EventFeed {
  private readonly listeners = new Set<Listener>();
  /** Every event up to here is delivered (or known never to come); null while stopped. */
  private watermark: number | null = null;
  private starting: Promise<void> | null = null;
  private stopListening: (() => void) | null = null;
  private safetyTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private reading: Promise<void> | null = null;
  private readAgain = false;
  private lastReadAt = Number.NEGATIVE_INFINITY;
  private gapTimer: NodeJS.Timeout | null = null;
  /** Bumped on stop: a read that began before is dropped. */
  private epoch = 0;
  /** Sequence values seen missing. */
  private readonly holes = new Map<number, Hole>();
  private readonly pageSize: number;
  private readonly now: () => number;

  constructor(private readonly options: EventFeedOptions) {
    this.pageSize = options.pageSize ?? 500;
    this.now = options.now ?? Date.now;
  }

  get listening(): number {
    return this.listeners.size;
  }

  async subscribe(listener: Listener): Promise<FeedSubscription> {
    this.listeners.add(listener);
    const close = () => {
      if (this.listeners.delete(listener) && this.listeners.size === 0) this.stop();
    };
    try {
      await this.start();
    } catch (error) {
      close();
      throw error;
    }
    return { watermark: this.watermark ?? 0, close };
  }

  private start(): Promise<void> {
    this.starting ??= (async () => {
      const epoch = this.epoch;
      const watermark = await this.initialWatermark();
      if (epoch !== this.epoch) return;
      this.watermark = watermark;
      this.stopListening = this.options.notifier.listen(() => this.requestRead());
      this.safetyTimer = setInterval(() => this.requestRead(), this.options.safetyReadMs);
      this.safetyTimer.unref();
    })().catch((error: unknown) => {
      this.starting = null;
      throw error;
    });
    return this.starting;
  }

  private stop(): void {
    this.epoch += 1;
    this.stopListening?.();
    this.stopListening = null;
    if (this.safetyTimer) clearInterval(this.safetyTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.gapTimer) clearTimeout(this.gapTimer);
    this.safetyTimer = this.retryTimer = this.gapTimer = null;
    this.starting = null;
    this.watermark = null;
    this.holes.clear();
  }

  /**
   * Where to begin: the newest event old enough that every lower sequence value has either
   * committed or been rolled back (no transaction lives as long as the hole timeout).
   */
  private async initialWatermark(): Promise<number> {
    const settled = await this.options.db.generationEvent.findFirst({
      where: { createdAt: { lt: new Date(this.now() - this.options.holeTimeoutMs) } },
      orderBy: { id: "desc" },
      select: { id: true },
    });
    return settled?.id ?? 0;
  }

  /** Coalesces wake-ups: one read at a time, one more if any came during it, at most one per readGapMs. */
  requestRead(): void {
    if (this.watermark === null || this.gapTimer) return;
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    const gap = this.lastReadAt + (this.options.readGapMs ?? 0) - performance.now();
    if (gap > 0) {
      this.gapTimer = setTimeout(() => {
        this.gapTimer = null;
        this.requestRead();
      }, gap);
      return;
    }
    this.lastReadAt = performance.now();
    this.reading = this.readAll()
      .catch((error: unknown) => {
        // The next wake-up or safety read tries again; nothing is skipped.
        this.options.logger?.warn("event feed read failed", { error });
      })
      .finally(() => {
        this.reading = null;
        if (this.readAgain) {
          this.readAgain = false;
          this.requestRead();
        }
      });
  }

  private async readAll(): Promise<void> {
    const epoch = this.epoch;
    if (this.holes.size > 0) {
      await this.lookAtOpenTransactions();
      if (epoch !== this.epoch) return;
      if (await this.stillMissing(this.watermark)) {
        if (epoch === this.epoch) this.retrySoon();
        return;
      }
    }
    for (;;) {
      const from = this.watermark;
      if (from === null) return;
      const rows = await selectEventsAfter(this.options.db, from, this.pageSize);
      if (epoch !== this.epoch) return;
      const { ready, blocked } = this.inOrder(from, rows);
      if (ready.length > 0) {
        asOfEachEvent(ready);
        this.watermark = ready.at(-1)?.event.id ?? from;
        for (const listener of [...this.listeners]) listener(ready);
      }
      if (blocked) {
        this.retrySoon();
        return;
      }
      if (rows.length < this.pageSize) return;
    }
  }

  /** Look again soon: the missing value commits in milliseconds, is found rolled back, or times out. */
  private retrySoon(): void {
    this.retryTimer ??= setTimeout(() => {
      this.retryTimer = null;
      this.requestRead();
    }, 25);
  }

  /**
   * Holes seen since the last look are given the transactions open now (any that took their
   * value began before the read that saw them, so it is among these or has ended); a hole whose
   * transactions have all ended is settled: the next read shows its value or it never comes.
   */
  private async lookAtOpenTransactions(): Promise<void> {
    const probe = this.options.openTransactions;
    if (!probe) return;
    const open = await probe();
    const ended = new Map<ReadonlySet<string>, boolean>();
    for (const hole of this.holes.values()) {
      if (hole.openAfter === undefined) {
        hole.openAfter = open;
      } else if (hole.openAfter !== null && open !== null && !hole.settled) {
        const before = hole.openAfter;
        if (!ended.has(before)) ended.set(before, ![...before].some((transaction) => open.has(transaction)));
        hole.settled = ended.get(before) as boolean;
      }
    }
  }

  /** While the value after `from` is still missing and may yet come, a cheap look instead of a full read. */
  private async stillMissing(from: number | null): Promise<boolean> {
    if (from === null) return false;
    const hole = this.holes.get(from + 1);
    if (!hole || this.mayPass(hole, this.now())) return false;
    return !(await eventExists(this.options.db, from + 1));
  }

  private mayPass(hole: Hole, now: number): boolean {
    return hole.settled || now - hole.seenAt >= this.options.holeTimeoutMs;
  }

  /** The rows that can go out now: consecutive after `from`, skipping holes older than the timeout. */
  private inOrder(from: number, rows: readonly (GenerationEventRow & { generation: GenerationRow })[]) {
    const ready: FeedItem[] = [];
    let expected = from + 1;
    const now = this.now();
    for (const { generation, ...event } of rows) {
      if (expected < event.id) {
        // Every missing value of the gap starts its clock now, so they time out together.
        const last = Math.min(event.id, expected + 10_000);
        for (let missing = expected; missing < last; missing += 1) {
          if (!this.holes.has(missing)) this.holes.set(missing, { seenAt: now, settled: false });
        }
        let pass = true;
        for (let missing = expected; missing < last && pass; missing += 1) pass = this.mayPass(this.holes.get(missing) as Hole, now);
        if (!pass) return { ready, blocked: true };
        this.options.logger?.warn("event sequence values never committed; skipped", { from: expected, to: event.id - 1 });
        for (let missing = expected; missing < event.id; missing += 1) this.holes.delete(missing);
      }
      this.holes.delete(event.id);
      ready.push({ event, generation });
      expected = event.id + 1;
    }
    return { ready, blocked: false };
  }
}

/** A sequence value seen missing below a visible one. */
interface Hole {
  seenAt: number;
  /** The transactions open at the first look after it was seen (null: some could not be seen; undefined: not looked yet). */
  openAfter?: ReadonlySet<string> | null;
  /** Every transaction that could hold it has ended: the next read shows it, or it was rolled back. */
  settled: boolean;
}

/**
 * A read may find several events of one generation, all joined with its row as it is now.
 * Each update should show the status it brought about: walking back from the row's status,
 * an event before a status change carries that change's `fromStatus`. (Other fields are the
 * row's as read.)
 */
function asOfEachEvent(items: FeedItem[]): void {
  const statusAfter = new Map<string, string>();
  for (let index = items.length - 1; index >= 0; index -= 1) {
    const item = items[index] as FeedItem;
    const id = item.event.generationId;
    const status = statusAfter.get(id) ?? item.generation.status;
    if (status !== item.generation.status) items[index] = { ...item, generation: { ...item.generation, status } };
    if (item.event.type === "STATUS_CHANGED" && item.event.fromStatus) statusAfter.set(id, item.event.fromStatus);
  }
}
