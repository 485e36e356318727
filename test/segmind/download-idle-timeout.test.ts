import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config";
import type { SegmindStandIn } from "../../src/sandbox/standin";
import { DEFAULT_DOWNLOAD_IDLE_TIMEOUT_MS } from "../../src/segmind/client";
import { clientFor, expectSegmindError, pollUntil, readAll, requestBody, startStandIn } from "./helpers";

/**
 * Output downloads fail when nothing arrives for SEGMIND_DOWNLOAD_IDLE_TIMEOUT_MS, not when
 * the whole body takes longer than some fixed time: a hung download is given up within the
 * idle timeout (and retried by the worker), a slow 50 MiB one that keeps moving is not cut.
 */
const MIB = 1024 * 1024;
let standIn: SegmindStandIn;
/** Serves 50 MiB videos (a padded stand-in). */
let large: SegmindStandIn;

beforeAll(async () => {
  standIn = await startStandIn({ jobDurationMs: 30 });
  large = await startStandIn({ jobDurationMs: 30, outputPaddingBytes: 50 * MIB });
});
afterAll(async () => {
  await standIn.close();
  await large.close();
});
afterEach(() => standIn.clearFaults());

async function outputUrl(from = standIn): Promise<string> {
  const client = clientFor(from);
  const { requestId } = await client.submit(requestBody());
  await pollUntil(() => client.getStatus(requestId), (status) => status.status === "COMPLETED");
  return (await client.getResult(requestId)).outputUrl;
}

describe("the download's idle timeout", () => {
  it("a download that stalls mid-body fails after the idle timeout, saying so", async () => {
    const url = await outputUrl();
    standIn.inject({ route: "download", kind: "stall" });
    const started = Date.now();
    const download = await clientFor(standIn, { downloadIdleTimeoutMs: 300 }).download(url);
    const error = await expectSegmindError(readAll(download.body), "TIMEOUT");
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error.message).toMatch(/Nothing arrived on GET \/outputs\/.+ for 300 ms/);
  }, 10_000);

  it("a download whose headers never come fails after the idle timeout", async () => {
    const url = await outputUrl();
    standIn.inject({ route: "download", kind: "hang" });
    await expectSegmindError(clientFor(standIn, { downloadIdleTimeoutMs: 300 }).download(url), "TIMEOUT");
  }, 10_000);

  it("a slow but moving 50 MiB download is not cut, though it takes many times the idle timeout", async () => {
    const url = await outputUrl(large);
    // 2 MiB every 250 ms: ~6 s in all against an idle timeout of 2 s.
    large.inject({ route: "download", kind: { trickle: { chunkBytes: 2 * MIB, intervalMs: 250 } } });
    const started = Date.now();
    const download = await clientFor(large, { downloadIdleTimeoutMs: 2_000 }).download(url);
    const bytes = await readAll(download.body);
    const took = Date.now() - started;
    expect(bytes.length).toBe(download.contentLength);
    expect(bytes.length).toBeGreaterThan(50 * MIB);
    expect(took).toBeGreaterThan(3_000);
  }, 30_000);
});

describe("SEGMIND_DOWNLOAD_IDLE_TIMEOUT_MS", () => {
  it("defaults to 60 s, the client's default too", () => {
    expect(loadConfig({}).SEGMIND_DOWNLOAD_IDLE_TIMEOUT_MS).toBe(60_000);
    expect(DEFAULT_DOWNLOAD_IDLE_TIMEOUT_MS).toBe(60_000);
    expect(loadConfig({ SEGMIND_DOWNLOAD_IDLE_TIMEOUT_MS: "5000" }).SEGMIND_DOWNLOAD_IDLE_TIMEOUT_MS).toBe(5_000);
  });

  it.each(["0", "ten", "-1"])("rejects %j, naming the variable", (value) => {
    expect(() => loadConfig({ SEGMIND_DOWNLOAD_IDLE_TIMEOUT_MS: value })).toThrow(ConfigError);
    expect(() => loadConfig({ SEGMIND_DOWNLOAD_IDLE_TIMEOUT_MS: value })).toThrow(/SEGMIND_DOWNLOAD_IDLE_TIMEOUT_MS/);
  });
});
