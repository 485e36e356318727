import { GraphQLError } from "graphql";

/** How many undelivered events one subscriber may fall behind before its stream ends. */
export const MAILBOX_CAPACITY = 10_000;

/**
 * What the event feed handed one subscriber and it has not yet sent. A subscriber that falls
 * too far behind (a stalled client) is ended with a typed error telling it to resume with
 * `after`, instead of holding memory without bound.
 */
export class Mailbox<T> {
  private readonly items: T[] = [];
  private waiter: ((arrived: boolean) => void) | null = null;
  private overflowed = false;

  /**
   * `signal`: the subscriber's request; when it aborts, a wait ends (false). Listened to once
   * for the mailbox's life, not once per wait: a busy stream waits once per message or so.
   */
  constructor(
    private readonly signal?: AbortSignal,
    private readonly capacity = MAILBOX_CAPACITY,
  ) {
    signal?.addEventListener("abort", () => this.wake(false), { once: true });
  }

  put(batch: readonly T[]): void {
    if (this.overflowed) return;
    if (this.items.length + batch.length > this.capacity) {
      this.overflowed = true;
      this.items.length = 0;
    } else {
      this.items.push(...batch);
    }
    this.wake(true);
  }

  /** Everything waiting, emptied; throws once the subscriber fell too far behind. */
  take(): T[] {
    if (this.overflowed) {
      throw new GraphQLError(
        `This subscriber fell more than ${this.capacity} events behind; subscribe again with \`after\` set to the last sequence received.`,
        { extensions: { code: "SUBSCRIBER_TOO_SLOW" } },
      );
    }
    return this.items.splice(0, this.items.length);
  }

  /**
   * Resolves with true when something arrived, false after `ms` (no timer when Infinity) or
   * once the signal aborted.
   */
  wait(ms = Number.POSITIVE_INFINITY): Promise<boolean> {
    if (this.signal?.aborted) return Promise.resolve(false);
    if (this.items.length > 0 || this.overflowed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = Number.isFinite(ms) ? setTimeout(() => this.wake(false), ms) : undefined;
      this.waiter = (arrived) => {
        clearTimeout(timer);
        resolve(arrived);
      };
    });
  }

  private wake(arrived: boolean): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.(arrived);
  }
}
