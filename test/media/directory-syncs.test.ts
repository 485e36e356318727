// Directory fsyncs shared by the renames made before they began (src/media/fs-durable.ts): a
// burst of puts costs a few fsyncs of the directory, and none of them is told its rename is
// durable by an fsync that began before it asked.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, expect, it } from "vitest";
import { DirectorySyncs, fsyncDirectory } from "../../src/media/fs-durable";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "dir-syncs-"));
  dirs.push(dir);
  return dir;
}

/** The real fsync, with when each began and ended. */
function recorded() {
  const runs: Array<{ dir: string; began: number; ended?: number }> = [];
  let tick = 0;
  const fsync = async (dir: string) => {
    const run: { dir: string; began: number; ended?: number } = { dir, began: ++tick };
    runs.push(run);
    await fsyncDirectory(dir);
    run.ended = ++tick;
  };
  return { runs, fsync, now: () => ++tick };
}

it("twenty callers at once cost two fsyncs: the one that began, and the next, which the others share", async () => {
  const dir = tempDir();
  const { runs, fsync } = recorded();
  const syncs = new DirectorySyncs(fsync);
  await Promise.all(Array.from({ length: 20 }, () => syncs.sync(dir)));
  expect(runs.length).toBe(2);
  expect(runs.every((run) => run.ended !== undefined)).toBe(true);
});

it("every caller is answered by an fsync that began after it asked and ended before the answer", async () => {
  const dir = tempDir();
  const { runs, fsync, now } = recorded();
  const syncs = new DirectorySyncs(fsync);
  const callers: Array<{ asked: number; answered?: number }> = [];
  const ask = async () => {
    const caller: { asked: number; answered?: number } = { asked: now() };
    callers.push(caller);
    await syncs.sync(dir);
    caller.answered = now();
  };
  // Waves: some ask while one runs, some while the next is queued, some after all are done.
  const first = Array.from({ length: 5 }, ask);
  await new Promise((done) => setImmediate(done));
  const second = Array.from({ length: 5 }, ask);
  await Promise.all([...first, ...second]);
  await Promise.all(Array.from({ length: 3 }, ask));
  expect(callers.length).toBe(13);
  for (const caller of callers) {
    expect(runs.some((run) => run.began > caller.asked && (run.ended as number) < (caller.answered as number))).toBe(true);
  }
  expect(runs.length).toBeLessThanOrEqual(5);
});

it("directories are synced apart, and a failed fsync fails its callers only", async () => {
  const dir = tempDir();
  const missing = path.join(dir, "gone");
  const { runs, fsync } = recorded();
  const syncs = new DirectorySyncs(fsync);
  const results = await Promise.allSettled([syncs.sync(dir), syncs.sync(missing), syncs.sync(missing)]);
  expect(results.map((result) => result.status)).toEqual(["fulfilled", "rejected", "rejected"]);
  expect((results[1] as PromiseRejectedResult).reason.code).toBe("ENOENT");
  expect(new Set(runs.map((run) => run.dir))).toEqual(new Set([dir, missing]));
  // Nothing is left holding the failure: the next call runs a fresh fsync.
  const before = runs.length;
  await syncs.sync(dir);
  expect(runs.length).toBe(before + 1);
});
