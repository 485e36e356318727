// SEGMIND_MAX_IN_FLIGHT's line keeps its order (src/worker/in-flight-gate.ts): a generation
// woken for a free place is not overtaken by one that arrives meanwhile, and one that finds its
// place taken anyway (another instance's claim) keeps its turn.
import { afterEach, expect, it } from "vitest";
import { createLogger } from "../../src/logger";
import { InFlightGate } from "../../src/worker/in-flight-gate";

let gate: InFlightGate | undefined;
afterEach(() => gate?.close());

/** A gate over a count the test sets, and the ids it wakes, in order. */
function gateOver(inFlight: { count: number }) {
  const woken: string[] = [];
  gate = new InFlightGate({
    cap: 1,
    count: async () => inFlight.count,
    wake: (id) => woken.push(id),
    intervalMs: 5,
    logger: createLogger({ level: "silent" }),
  });
  return { gate, woken };
}

const until = async (ready: () => boolean) => {
  for (let i = 0; i < 200 && !ready(); i++) await new Promise((done) => setTimeout(done, 5));
  expect(ready()).toBe(true);
};

it("a newcomer queues behind one woken for a place that has not tried yet", async () => {
  const inFlight = { count: 1 };
  const { gate, woken } = gateOver(inFlight);
  expect(gate.mayTry("a")).toBe(true);
  gate.park("a"); // the place was taken: a waits
  inFlight.count = 0;
  await until(() => woken.length === 1);
  expect(woken).toEqual(["a"]);
  // z arrives before a's job runs: it must not take a's place.
  expect(gate.mayTry("z")).toBe(false);
  gate.park("z");
  expect(gate.mayTry("a")).toBe(true);
});

it("one woken that finds its place taken keeps its turn, ahead of those parked after it", async () => {
  const inFlight = { count: 1 };
  const { gate, woken } = gateOver(inFlight);
  gate.mayTry("a");
  gate.park("a");
  inFlight.count = 0;
  await until(() => woken.length === 1);
  gate.park("b");
  gate.park("c");
  // a tries, but another instance claimed the place first.
  inFlight.count = 1;
  expect(gate.mayTry("a")).toBe(true);
  gate.park("a");
  inFlight.count = 0;
  await until(() => woken.length === 2);
  expect(woken).toEqual(["a", "a"]);
  expect(gate.mayTry("a")).toBe(true);
  gate.leave("a"); // claimed
  await until(() => woken.length === 3);
  expect(woken).toEqual(["a", "a", "b"]);
});
