import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAIL_MARKER } from "../../src/sandbox/standin";
import { clientFor, expectSegmindError, readAll, requestBody, sha256, startStandIn } from "./helpers";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "segmind-standin-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("stateFile", () => {
  it("keeps request ids, job timelines and the balance across a restart of the stand-in", async () => {
    const stateFile = path.join(dir, "sandbox-state.json");
    let clock = Date.parse("2026-11-24T12:00:00Z");
    const now = () => clock;

    const first = await startStandIn({ stateFile, balanceUsd: 5, jobDurationMs: 1000, now });
    const firstClient = clientFor(first);
    const done = await firstClient.submit(requestBody({ seed: 11 }));
    clock += 1000;
    const bytesBefore = await readAll((await firstClient.download((await firstClient.getResult(done.requestId)).outputUrl)).body);
    const running = await firstClient.submit(requestBody({ seed: 12 }));
    const failing = await firstClient.submit(requestBody({ prompt: `bad ${FAIL_MARKER}` }));
    const balanceAtClose = first.balanceUsd();
    expect(balanceAtClose).toBeCloseTo(5 - 3 * 0.091, 9);
    await first.close();

    // Written atomically: the state file parses and no temporary file is left behind.
    expect(await readdir(dir)).toEqual(["sandbox-state.json"]);
    const saved = JSON.parse(await readFile(stateFile, "utf8")) as { jobs: unknown[] };
    expect(saved.jobs).toHaveLength(3);

    // balanceUsd is ignored now: the file holds the balance.
    const second = await startStandIn({ stateFile, balanceUsd: 99, jobDurationMs: 1000, now });
    try {
      const secondClient = clientFor(second);
      expect(second.url).not.toBe(first.url);
      expect(second.balanceUsd()).toBeCloseTo(balanceAtClose, 9);
      expect(await secondClient.getStatus(done.requestId)).toEqual({ status: "COMPLETED" });
      expect(await secondClient.getStatus(running.requestId)).toEqual({ status: "QUEUED" });

      const result = await secondClient.getResult(done.requestId);
      expect(result.outputUrl).toBe(`${second.url}/outputs/${done.requestId}.mp4`);
      const bytesAfter = await readAll((await secondClient.download(result.outputUrl)).body);
      expect(sha256(bytesAfter)).toBe(sha256(bytesBefore));

      clock += 1000;
      expect(await secondClient.getStatus(running.requestId)).toEqual({ status: "COMPLETED" });
      expect((await secondClient.getStatus(failing.requestId)).status).toBe("FAILED");
      // The failed job is refunded, after the restart as before it.
      expect(second.balanceUsd()).toBeCloseTo(balanceAtClose + 0.091, 9);

      clock += 3_600_000;
      await expectSegmindError(secondClient.getStatus(done.requestId), "NOT_FOUND");
    } finally {
      await second.close();
    }
    const reloaded = await startStandIn({ stateFile, now });
    try {
      expect(reloaded.balanceUsd()).toBeCloseTo(balanceAtClose + 0.091, 9);
    } finally {
      await reloaded.close();
    }
  });
});
