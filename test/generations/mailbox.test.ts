// The subscriber's mailbox (src/generations/mailbox.ts): what the event feed handed one stream
// and it has not sent yet; a wait that ends on arrival, on its timeout or on the request's abort;
// and the typed end of a subscriber that fell too far behind.
import { GraphQLError } from "graphql";
import { describe, expect, it } from "vitest";
import { Mailbox } from "../../src/generations/mailbox";

describe("Mailbox", () => {
  it("hands over everything put, in order, once", async () => {
    const mailbox = new Mailbox<number>();
    mailbox.put([1, 2]);
    mailbox.put([3]);
    expect(await mailbox.wait()).toBe(true);
    expect(mailbox.take()).toEqual([1, 2, 3]);
    expect(mailbox.take()).toEqual([]);
  });

  it("a wait ends when something arrives, and with no timeout only then", async () => {
    const mailbox = new Mailbox<number>();
    let settled: boolean | undefined;
    const waiting = mailbox.wait().then((arrived) => (settled = arrived));
    await new Promise((done) => setTimeout(done, 50));
    expect(settled).toBeUndefined();
    mailbox.put([7]);
    expect(await waiting).toBe(true);
    expect(mailbox.take()).toEqual([7]);
  });

  it("a wait with a timeout ends false when nothing came", async () => {
    const mailbox = new Mailbox<number>();
    const started = performance.now();
    expect(await mailbox.wait(30)).toBe(false);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });

  it("the request's abort ends a wait under way and every later one, false", async () => {
    const controller = new AbortController();
    const mailbox = new Mailbox<number>(controller.signal);
    const waiting = mailbox.wait();
    controller.abort();
    expect(await waiting).toBe(false);
    mailbox.put([1]);
    expect(await mailbox.wait()).toBe(false);
    expect(await mailbox.wait(1_000)).toBe(false);
  });

  it("a subscriber more than its capacity behind is ended with SUBSCRIBER_TOO_SLOW, and nothing held", async () => {
    const mailbox = new Mailbox<number>(undefined, 5);
    mailbox.put([1, 2, 3]);
    mailbox.put([4, 5]);
    expect(mailbox.take()).toEqual([1, 2, 3, 4, 5]);
    mailbox.put([1, 2, 3, 4]);
    mailbox.put([5, 6]);
    expect(await mailbox.wait()).toBe(true);
    let failure: unknown;
    try {
      mailbox.take();
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(GraphQLError);
    expect((failure as GraphQLError).extensions.code).toBe("SUBSCRIBER_TOO_SLOW");
    // Later batches are dropped too: the stream ends, its client resumes with `after`.
    mailbox.put([7]);
    expect(() => mailbox.take()).toThrow(/fell more than 5 events behind/);
  });
});
