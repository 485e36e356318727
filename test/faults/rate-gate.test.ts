import { describe, expect, it } from "vitest";
import { systemClock } from "../../src/clock";
import { RateGate } from "../../src/worker/rate-gate";

/** Resolves with the elapsed ms of `count` acquires, and the order they were granted in. */
async function timeAcquires(gate: RateGate, count: number) {
  const start = Date.now();
  const order: number[] = [];
  const times = await Promise.all(
    Array.from({ length: count }, (_, index) =>
      gate.acquire().then(() => {
        order.push(index);
        return Date.now() - start;
      }),
    ),
  );
  return { times, order };
}

describe("RateGate (rolling-window cap, 429 pauses, first come first served)", () => {
  it("lets at most maxPerMinute requests through in any window, then paces the rest", async () => {
    const gate = new RateGate({ maxPerMinute: 3, clock: systemClock, windowMs: 300 });
    const { times } = await timeAcquires(gate, 5);
    expect(times.slice(0, 3).every((ms) => ms < 50)).toBe(true);
    // The 4th and 5th wait until the first grants leave the window.
    expect(times[3]).toBeGreaterThanOrEqual(290);
    expect(times[4]).toBeGreaterThanOrEqual(290);
  });

  it("0 means no cap", async () => {
    const gate = new RateGate({ maxPerMinute: 0, clock: systemClock });
    const { times } = await timeAcquires(gate, 50);
    expect(Math.max(...times)).toBeLessThan(50);
  });

  it("serves waiters in arrival order", async () => {
    const gate = new RateGate({ maxPerMinute: 1, clock: systemClock, windowMs: 60 });
    await gate.acquire(); // uses the window's only permit: the rest queue
    const { order } = await timeAcquires(gate, 4);
    expect(order).toEqual([0, 1, 2, 3]);
  });

  it("after a 429 closes for everyone until the reset time", async () => {
    const gate = new RateGate({ maxPerMinute: 0, clock: systemClock });
    const resetAt = new Date(Date.now() + 250);
    expect(gate.rateLimited(resetAt)).toEqual(resetAt);
    expect(gate.closedUntil()).toEqual(resetAt);
    expect(gate.tryAcquire()).toBe(false);
    const { times } = await timeAcquires(gate, 2);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(240);
    expect(gate.closedUntil()).toBeNull();
    expect(gate.tryAcquire()).toBe(true);
  });

  it("without a reset time backs off exponentially (with jitter) until a request passes", () => {
    const gate = new RateGate({ maxPerMinute: 0, clock: systemClock, backoffBaseMs: 1_000 });
    const waits = [1, 2, 3, 4].map(() => gate.rateLimited().getTime() - Date.now());
    // Full jitter with a 10 % floor: attempt n waits within [0.1, 1] x base x 2^(n-1), never shrinking the close.
    expect(waits[0]).toBeGreaterThanOrEqual(90);
    expect(waits[0]).toBeLessThanOrEqual(1_010);
    expect(waits[3]).toBeGreaterThanOrEqual(790);
    expect(waits[3]).toBeLessThanOrEqual(8_010);
    gate.passed();
    const fresh = new RateGate({ maxPerMinute: 0, clock: systemClock, backoffBaseMs: 1_000 });
    fresh.rateLimited();
    fresh.passed();
    expect(fresh.rateLimited().getTime() - Date.now()).toBeLessThanOrEqual(1_010);
  });

  it("does not believe a reset time absurdly far away", () => {
    const gate = new RateGate({ maxPerMinute: 0, clock: systemClock, maxCloseMs: 5_000 });
    const until = gate.rateLimited(new Date(Date.now() + 86_400_000));
    expect(until.getTime() - Date.now()).toBeLessThanOrEqual(5_000);
  });

  it("a waiter whose signal aborts leaves the queue; a released permit goes to the next", async () => {
    const gate = new RateGate({ maxPerMinute: 1, clock: systemClock, windowMs: 10_000 });
    await gate.acquire();
    const controller = new AbortController();
    const abandoned = gate.acquire(controller.signal);
    const next = gate.acquire();
    expect(gate.waiting).toBe(2);
    controller.abort(new Error("stopping"));
    await expect(abandoned).rejects.toThrow("stopping");
    expect(gate.waiting).toBe(1);
    gate.release(); // the first permit was not used after all
    await next;
    expect(gate.waiting).toBe(0);
  });
});
