// The rows the worker's next step may take instead of reading (src/generations/row-snapshots.ts):
// only while nothing but the keeper's own write was notified since it looked.
import { describe, expect, it } from "vitest";
import { InProcessNotifier } from "../../src/generations/notifier";
import { RowSnapshots } from "../../src/generations/row-snapshots";
import type { GenerationRow } from "../../src/generations/types";

const row = (status: string) => ({ id: "g1", status }) as GenerationRow;

function setup(maxAgeMs = 60_000) {
  let now = 1_000_000;
  const notifier = new InProcessNotifier();
  const snapshots = new RowSnapshots(notifier, { now: () => new Date(now) }, maxAgeMs);
  return { notifier, snapshots, advance: (ms: number) => (now += ms), now: () => now };
}

describe("row snapshots", () => {
  it("keeps a row written by its keeper (one notification, its own) and hands it out once", () => {
    const { notifier, snapshots, now } = setup();
    const since = snapshots.version("g1");
    notifier.notify("g1"); // the keeper's own write
    snapshots.keep("g1", row("RUNNING"), since, now());
    expect(snapshots.take("g1")?.row.status).toBe("RUNNING");
    expect(snapshots.take("g1")).toBeNull();
  });

  it("keeps nothing when someone else wrote the row meanwhile", () => {
    const { notifier, snapshots, now } = setup();
    const since = snapshots.version("g1");
    notifier.notify("g1"); // a cancel, another instance
    notifier.notify("g1"); // the keeper's own write
    snapshots.keep("g1", row("RUNNING"), since, now());
    expect(snapshots.take("g1")).toBeNull();
  });

  it("drops a kept row on any later notification", () => {
    const { notifier, snapshots, now } = setup();
    const since = snapshots.version("g1");
    notifier.notify("g1");
    snapshots.keep("g1", row("SUBMITTED"), since, now());
    notifier.notify("g1");
    expect(snapshots.take("g1")).toBeNull();
  });

  it("forgets final rows and trusts a row no longer than maxAgeMs", () => {
    const { notifier, snapshots, advance, now } = setup(5_000);
    let since = snapshots.version("g1");
    notifier.notify("g1");
    snapshots.keep("g1", row("SUCCEEDED"), since, now());
    expect(snapshots.take("g1")).toBeNull();
    since = snapshots.version("g1");
    notifier.notify("g1");
    snapshots.keep("g1", row("RUNNING"), since, now());
    advance(5_001);
    expect(snapshots.take("g1")).toBeNull();
  });
});
