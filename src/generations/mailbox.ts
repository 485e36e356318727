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
  private waiter: (() => void) | null = null;
  private overflowed = false;

  constructor(private readonly capacity = MAILBOX_CAPACITY) {}

  put(batch: readonly T[]): void {
    if (this.overflowed) return;
    if (this.items.length + batch.length > this.capacity) {
      this.overflowed = true;
      this.items.length = 0;
    } else {
      this.items.push(...batch);
    }
    this.wake();
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

  /** Resolves with true when something arrived, false after `ms` or when `signal` aborts. */
  wait(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (this.items.length > 0 || this.overflowed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (arrived: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.waiter = null;
        resolve(arrived);
      };
      const onAbort = () => finish(false);
      const timer = setTimeout(() => finish(false), ms);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiter = () => finish(true);
    });
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }
}
