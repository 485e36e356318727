import type { Clock } from "../clock";
import type { GenerationNotifier } from "./notifier";
import { type GenerationStatus, TERMINAL_STATUSES } from "./status";
import type { GenerationRow } from "./types";

/**
 * The rows this process last wrote or read, so the worker's next step need not read them
 * again. Each step of a generation starts from its row (src/worker/advance.ts); most steps
 * come right after this process's own write of that row (a transition returns the row it
 * wrote, UPDATE ... RETURNING), and nothing else changed it meanwhile.
 *
 * "Nothing else changed it" is what the notifier says: every write of a generation's row or
 * events notifies (the journal, cancel.ts; RedisNotifier carries other instances' writes), and
 * any notification drops the row here. A writer that knows its own write was the one
 * notification since it looked (`version` before, `keep` after) puts the row back. What is not
 * notified cannot be seen, so a row is trusted for `maxAgeMs` after it was read or written at
 * most (a Redis message lost, a write from outside the gateway: the next step after that reads
 * the row again). Rows are kept only where no step has been taken yet: `take` removes them.
 *
 * A miss only costs the read the step always did; a hit is never older than the last
 * notification, so steps act on what they would have read.
 */
export class RowSnapshots {
  private readonly rows = new Map<string, { row: GenerationRow; at: number }>();
  /** Notifications seen per generation being followed (ids asked for a `version`). */
  private readonly versions = new Map<string, number>();
  private readonly unlisten: () => void;

  constructor(
    notifier: GenerationNotifier,
    private readonly clock: Clock,
    private readonly maxAgeMs: number,
    /** Followed generations at most; past it every snapshot is dropped (a miss is only a read). */
    private readonly maxFollowed = 50_000,
  ) {
    this.unlisten = notifier.listen((id) => this.changed(id));
  }

  /** How many notifications `id` has had; from now on they are counted. */
  version(id: string): number {
    const seen = this.versions.get(id);
    if (seen !== undefined) return seen;
    if (this.versions.size >= this.maxFollowed) this.clear();
    this.versions.set(id, 0);
    return 0;
  }

  /** The row as this process last knew it, if nothing was notified since (and it is fresh enough); taken out. */
  take(id: string): { row: GenerationRow; at: number } | null {
    const kept = this.rows.get(id);
    if (!kept) return null;
    this.rows.delete(id);
    return this.clock.now().getTime() - kept.at <= this.maxAgeMs ? kept : null;
  }

  /**
   * Keeps `row` (as read or written at `at`) as `id`'s current row, if the only notification
   * since `version` was the caller's own write (`ownWrites` of them). A final row is forgotten.
   */
  keep(id: string, row: GenerationRow, since: number, at: number, ownWrites = 1): void {
    if (TERMINAL_STATUSES.has(row.status as GenerationStatus)) {
      this.forget(id);
      return;
    }
    if (this.versions.get(id) !== since + ownWrites) {
      this.rows.delete(id);
      return;
    }
    this.rows.set(id, { row, at });
  }

  /**
   * A row just stored by this process, before anyone else could know its id (its first step
   * then reads nothing). Only for a generation not followed yet: one already followed keeps
   * what its notifications say.
   */
  seed(row: GenerationRow): void {
    if (this.versions.has(row.id)) return;
    this.version(row.id);
    this.rows.set(row.id, { row, at: this.clock.now().getTime() });
  }

  forget(id: string): void {
    this.rows.delete(id);
    this.versions.delete(id);
  }

  close(): void {
    this.unlisten();
    this.clear();
  }

  private changed(id: string): void {
    const seen = this.versions.get(id);
    if (seen === undefined) return;
    this.versions.set(id, seen + 1);
    this.rows.delete(id);
  }

  private clear(): void {
    this.rows.clear();
    this.versions.clear();
  }
}
