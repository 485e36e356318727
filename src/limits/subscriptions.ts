import { GraphQLError } from "graphql";
import type { Principal } from "../auth/principal";

/**
 * How many subscriptions may be open at once, per API key and per client address. Each open
 * stream holds a reader of the event tables and a place in every notification, so a client
 * opening hundreds of them slows everyone (an outside test: 200 streams of one key made a
 * normal query take 6 s). Counted in this process; 0 means no limit.
 */
export interface SubscriptionLimits {
  /** Open subscriptions per API key (MAX_SUBSCRIPTIONS_PER_KEY); anonymous callers have no key, only an address. */
  perKey: number;
  /** Open subscriptions per client address, keys and anonymous callers alike (MAX_SUBSCRIPTIONS_PER_ADDRESS). */
  perAddress: number;
}

export const DEFAULT_SUBSCRIPTION_LIMITS: SubscriptionLimits = { perKey: 25, perAddress: 50 };

export const TOO_MANY_SUBSCRIPTIONS = "TOO_MANY_SUBSCRIPTIONS";

/** One open subscription's place; `release` is idempotent. */
export interface SubscriptionLease {
  release(): void;
}

export class SubscriptionLimiter {
  private readonly open = new Map<string, number>();

  constructor(private readonly limits: SubscriptionLimits = DEFAULT_SUBSCRIPTION_LIMITS) {}

  /** Takes a place for `principal`'s new subscription, or throws TOO_MANY_SUBSCRIPTIONS. */
  acquire(principal: Principal): SubscriptionLease {
    const counters: string[] = [];
    if (principal.keyId && this.limits.perKey > 0) {
      const counter = `key:${principal.keyId}`;
      if (this.count(counter) >= this.limits.perKey) throw tooMany("KEY", this.limits.perKey);
      counters.push(counter);
    }
    if (this.limits.perAddress > 0) {
      const counter = `address:${principal.clientAddress ?? "unknown"}`;
      if (this.count(counter) >= this.limits.perAddress) throw tooMany("ADDRESS", this.limits.perAddress);
      counters.push(counter);
    }
    for (const counter of counters) this.open.set(counter, this.count(counter) + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        for (const counter of counters) {
          const left = this.count(counter) - 1;
          if (left > 0) this.open.set(counter, left);
          else this.open.delete(counter);
        }
      },
    };
  }

  /** Open subscriptions counted now for a key (by id) or an address; for tests and metrics. */
  openFor(what: { keyId: string } | { address: string }): number {
    return this.count("keyId" in what ? `key:${what.keyId}` : `address:${what.address}`);
  }

  private count(counter: string): number {
    return this.open.get(counter) ?? 0;
  }
}

function tooMany(scope: "KEY" | "ADDRESS", limit: number): GraphQLError {
  const who = scope === "KEY" ? "this API key" : "this client address";
  return new GraphQLError(
    `Too many subscriptions open for ${who} (at most ${limit} at once). Close one, or reuse generationsUpdated for many generations.`,
    { extensions: { code: TOO_MANY_SUBSCRIPTIONS, scope, limit } },
  );
}

