import { afterEach, describe, expect, it } from "vitest";
import { systemClock } from "../../src/clock";
import { SegmindError } from "../../src/segmind/errors";
import { CircuitOpenError, SubmitBreaker } from "../../src/worker/breaker";

/** What counts, and the half-open probe, on the breaker alone (outage.test.ts runs it end to end). */
const serverError = () => new SegmindError({ kind: "SERVER_ERROR", message: "HTTP 500", httpStatus: 500 });
const refused = () => new SegmindError({ kind: "CONNECT_FAILED", message: "ECONNREFUSED" });
const timeout = () => new SegmindError({ kind: "TIMEOUT", message: "no answer" });
const dropped = () => new SegmindError({ kind: "CONNECTION_DROPPED", message: "reset", httpStatus: null });
const rejected = () => new SegmindError({ kind: "REJECTED_INPUT", message: "HTTP 400", httpStatus: 400 });

async function submit(breaker: SubmitBreaker, outcome: () => SegmindError | null) {
  const admission = breaker.admit();
  if (!admission) return "held";
  try {
    await admission.fire(async () => {
      const error = outcome();
      if (error) throw error;
      return "accepted";
    });
    return "accepted";
  } catch (error) {
    return error instanceof CircuitOpenError ? "not sent" : "failed";
  } finally {
    admission.release();
  }
}

async function waitForState(breaker: SubmitBreaker, state: string) {
  const deadline = Date.now() + 2_000;
  while (breaker.state !== state) {
    if (Date.now() > deadline) throw new Error(`breaker still ${breaker.state}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("the submit circuit breaker", () => {
  let breaker: SubmitBreaker | undefined;
  afterEach(() => breaker?.shutdown());
  const make = () => {
    breaker = new SubmitBreaker({ minSubmits: 3, errorPercent: 50, windowMs: 10_000, probeAfterMs: 50 }, systemClock);
    return breaker;
  };

  it("opens on 5xx and refused connections only; timeouts, drops and 4xx never open it", async () => {
    const b = make();
    for (const outcome of [timeout, dropped, rejected, timeout, dropped, rejected]) await submit(b, outcome);
    expect(b.state).toBe("closed");
    expect(b.outage()).toBeNull();
    // They still are submits of the window: the share that proved an outage is what counts.
    b.shutdown();
    const c = make();
    await submit(c, serverError);
    await submit(c, rejected);
    await submit(c, refused);
    expect(c.state).toBe("open");
    expect(c.outage()).toMatchObject({ state: "open", reason: "ECONNREFUSED", failedProbes: 0 });
    expect(await submit(c, () => null)).toBe("held");
  });

  it("half-open: one probe at a time; a 4xx answer closes it, a 5xx or an unknown outcome opens it again", async () => {
    const b = make();
    const transitions: string[] = [];
    b.listen({
      opened: (_o, fresh) => transitions.push(fresh ? "open" : "reopen"),
      halfOpened: () => transitions.push("halfOpen"),
      closed: () => transitions.push("closed"),
    });
    for (let i = 0; i < 3; i += 1) await submit(b, serverError);
    await waitForState(b, "halfOpen");
    // One probe is handed out; until it is sent and answered (or given back) nobody else goes.
    const probe = b.admit();
    expect(probe?.probe).toBe(true);
    expect(b.admit()).toBeNull();
    probe!.release();
    expect(await submit(b, serverError)).toBe("failed");
    expect(b.state).toBe("open");
    await waitForState(b, "halfOpen");
    expect(await submit(b, timeout)).toBe("failed");
    expect(b.state).toBe("open");
    expect(b.outage()?.failedProbes).toBe(2);
    await waitForState(b, "halfOpen");
    expect(await submit(b, rejected)).toBe("failed");
    expect(b.state).toBe("closed");
    expect(transitions).toEqual(["open", "halfOpen", "reopen", "halfOpen", "reopen", "halfOpen", "closed"]);
    expect(await submit(b, () => null)).toBe("accepted");
  });
});
