import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { SegmindStandIn } from "../../src/sandbox/standin";
import { createSegmindClient } from "../../src/segmind/client";
import { SegmindError } from "../../src/segmind/errors";
import type { SegmindClient } from "../../src/segmind/types";
import { API_KEY, callRecorder, clientFor, closedPort, expectSegmindError, pollUntil, readAll, requestBody, startStandIn } from "./helpers";

let standIn: SegmindStandIn;
let client: SegmindClient;

beforeAll(async () => {
  standIn = await startStandIn({ balanceUsd: 10, jobDurationMs: 50, syncDelayMs: 20 });
  client = clientFor(standIn, { timeoutMs: 2_000, syncTimeoutMs: 2_000, downloadIdleTimeoutMs: 2_000 });
});
afterAll(() => standIn.close());
afterEach(() => standIn.clearFaults());

async function completedOutputUrl(): Promise<string> {
  const { requestId } = await client.submit(requestBody());
  await pollUntil(() => client.getStatus(requestId), (status) => status.status === "COMPLETED");
  return (await client.getResult(requestId)).outputUrl;
}

describe("timeouts", () => {
  it("gives up on a hung answer after timeoutMs: TIMEOUT, no status, not proven unaccepted", async () => {
    standIn.inject({ route: "submit", kind: "hang" });
    const recorder = callRecorder();
    const started = Date.now();
    const error = await expectSegmindError(clientFor(standIn, { timeoutMs: 150 }).submit(requestBody(), recorder), "TIMEOUT");
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(error).toMatchObject({ httpStatus: null, notAccepted: false, transient: true });
    expect(error.message).toContain("within 150 ms");
    expect(recorder.calls).toEqual([
      { method: "POST", path: "/v2/seedance-v1-lite-image-to-video", httpStatus: null, durationMs: expect.any(Number), errorKind: "TIMEOUT" },
    ]);
  });

  it("applies syncTimeoutMs to v1 sync calls", async () => {
    standIn.inject({ route: "sync", kind: "hang" });
    await expectSegmindError(clientFor(standIn, { syncTimeoutMs: 150 }).runSync(requestBody()), "TIMEOUT");
  });

  it("reports the caller's own abort as TIMEOUT, saying so", async () => {
    standIn.inject({ route: "status", kind: "hang" });
    const controller = new AbortController();
    const pending = client.getStatus("some-id", { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const error = await expectSegmindError(pending, "TIMEOUT");
    expect(error.message).toContain("aborted by the caller");
  });

  it("errors the body stream when nothing arrives for the download's idle timeout mid-body", async () => {
    const stalled = createSegmindClient({
      baseUrl: "http://segmind.invalid",
      apiKey: API_KEY,
      downloadIdleTimeoutMs: 100,
      // One chunk, then nothing until the client's signal fires.
      fetch: async (_url, init) =>
        new Response(
          new ReadableStream({
            start(controller) {
              controller.enqueue(new Uint8Array(10));
              init?.signal?.addEventListener("abort", () => controller.error(init.signal?.reason));
            },
          }),
          { headers: { "content-type": "video/mp4", "content-length": "100" } },
        ),
    });
    const download = await stalled.download("https://images.segmind.invalid/out.mp4");
    const error = await readAll(download.body).catch((rejection: unknown) => rejection);
    expect(error).toBeInstanceOf(SegmindError);
    expect(error).toMatchObject({ kind: "TIMEOUT", httpStatus: 200 });
  });
});

describe("dropped connections", () => {
  // The client sees the same thing either way; only the stand-in knows whether it billed.
  it.each([
    ["drop", 0],
    ["drop-after-accept", 1],
  ] as const)("%s on submit: CONNECTION_DROPPED for the client, %i job(s) accepted and billed", async (kind, billed) => {
    const { submitAttempts, submitsAccepted } = standIn.stats;
    const balance = standIn.balanceUsd();
    standIn.inject({ route: "submit", kind });
    const error = await expectSegmindError(client.submit(requestBody()), "CONNECTION_DROPPED");
    expect(error).toMatchObject({ httpStatus: null, notAccepted: false, transient: true });
    expect(standIn.stats.submitAttempts).toBe(submitAttempts + 1);
    expect(standIn.stats.submitsAccepted).toBe(submitsAccepted + billed);
    expect(standIn.balanceUsd()).toBeCloseTo(balance - billed * 0.091, 9);
  });

  it("drop-after-accept on v1 sync bills the run the client never received", async () => {
    const billed = standIn.stats.syncsBilled;
    const balance = standIn.balanceUsd();
    standIn.inject({ route: "sync", kind: "drop-after-accept" });
    await expectSegmindError(client.runSync(requestBody()), "CONNECTION_DROPPED");
    expect(standIn.stats.syncsBilled).toBe(billed + 1);
    expect(standIn.balanceUsd()).toBeCloseTo(balance - 0.091, 9);
  });

  it("drop on a GET is CONNECTION_DROPPED too", async () => {
    standIn.inject({ route: "credits", kind: "drop" });
    await expectSegmindError(client.getCredits(), "CONNECTION_DROPPED");
  });

  it("a refused connection is CONNECT_FAILED: the request never left, so it proves non-acceptance", async () => {
    const refused = createSegmindClient({ baseUrl: `http://127.0.0.1:${await closedPort()}`, apiKey: API_KEY });
    const recorder = callRecorder();
    const error = await expectSegmindError(refused.submit(requestBody(), recorder), "CONNECT_FAILED");
    expect(error).toMatchObject({ httpStatus: null, notAccepted: true, transient: true });
    expect(error.message).toContain("ECONNREFUSED");
    expect(recorder.calls[0]).toMatchObject({ httpStatus: null, errorKind: "CONNECT_FAILED" });
  });
});

describe("truncated bodies", () => {
  it("a download cut short errors its body stream (never ends quietly)", async () => {
    const url = await completedOutputUrl();
    standIn.inject({ route: "download", kind: "truncate" });
    const download = await client.download(url);
    expect(download.contentLength).toBeGreaterThan(0);
    const error = await readAll(download.body).catch((rejection: unknown) => rejection);
    expect(error).toBeInstanceOf(SegmindError);
    expect(error).toMatchObject({ kind: "CONNECTION_DROPPED", httpStatus: 200 });
  });

  it("a v1 sync body cut short errors too, and the run was billed", async () => {
    const billed = standIn.stats.syncsBilled;
    standIn.inject({ route: "sync", kind: "truncate" });
    const result = await client.runSync(requestBody());
    await expect(readAll(result.body)).rejects.toMatchObject({ kind: "CONNECTION_DROPPED" });
    expect(standIn.stats.syncsBilled).toBe(billed + 1);
  });

  it("a JSON answer cut short is CONNECTION_DROPPED with the 200 it started with", async () => {
    const accepted = standIn.stats.submitsAccepted;
    standIn.inject({ route: "submit", kind: "truncate" });
    const error = await expectSegmindError(client.submit(requestBody()), "CONNECTION_DROPPED");
    expect(error).toMatchObject({ httpStatus: 200, notAccepted: false });
    expect(standIn.stats.submitsAccepted).toBe(accepted + 1);
  });

  it("a body shorter than Content-Length that ends cleanly still errors", async () => {
    const short = createSegmindClient({
      baseUrl: "http://segmind.invalid",
      apiKey: API_KEY,
      fetch: async () => new Response(new Uint8Array(10), { headers: { "content-type": "video/mp4", "content-length": "100" } }),
    });
    const download = await short.download("https://images.segmind.invalid/out.mp4");
    const error = await readAll(download.body).catch((rejection: unknown) => rejection);
    expect(error).toMatchObject({ kind: "CONNECTION_DROPPED", message: expect.stringContaining("ended after 10 of 100 bytes") });
  });
});

describe("malformed 200s", () => {
  it("submit: MALFORMED_RESPONSE, not proven unaccepted (the stand-in did create and bill the job)", async () => {
    const accepted = standIn.stats.submitsAccepted;
    standIn.inject({ route: "submit", kind: "malformed" });
    const error = await expectSegmindError(client.submit(requestBody()), "MALFORMED_RESPONSE");
    expect(error).toMatchObject({ httpStatus: 200, notAccepted: false, transient: false });
    expect(standIn.stats.submitsAccepted).toBe(accepted + 1);
  });

  it.each(["status", "result", "credits"] as const)("%s: MALFORMED_RESPONSE", async (route) => {
    standIn.inject({ route, kind: "malformed" });
    const call = route === "status" ? client.getStatus("x") : route === "result" ? client.getResult("x") : client.getCredits();
    await expectSegmindError(call, "MALFORMED_RESPONSE");
  });

  it("sync and download answering JSON instead of a video: MALFORMED_RESPONSE", async () => {
    standIn.inject({ route: "sync", kind: "malformed" });
    await expectSegmindError(client.runSync(requestBody()), "MALFORMED_RESPONSE");
    const url = await completedOutputUrl();
    standIn.inject({ route: "download", kind: "malformed" });
    await expectSegmindError(client.download(url), "MALFORMED_RESPONSE");
  });

  it("JSON with the wrong shape: missing request_id, unknown status, no output URL", async () => {
    standIn.inject({ route: "submit", kind: { status: 200, body: '{"status":"QUEUED"}' } });
    await expectSegmindError(client.submit(requestBody()), "MALFORMED_RESPONSE");
    standIn.inject({ route: "status", kind: { status: 200, body: '{"status":"DONE"}' } });
    await expectSegmindError(client.getStatus("x"), "MALFORMED_RESPONSE");
    standIn.inject({ route: "result", kind: { status: 200, body: '{"status":"COMPLETED","output":"a text answer"}' } });
    await expectSegmindError(client.getResult("x"), "MALFORMED_RESPONSE");
    standIn.inject({ route: "credits", kind: { status: 200, body: '{"free-credits":1}' } });
    await expectSegmindError(client.getCredits(), "MALFORMED_RESPONSE");
  });
});

describe("what the client sends", () => {
  it("sends x-api-key and JSON content type to the API, nothing of the key to output URLs, and never follows API redirects", async () => {
    const seen: { url: string; headers: Record<string, string>; redirect?: RequestRedirect }[] = [];
    const spying = clientFor(standIn, {
      fetch: (input, init) => {
        seen.push({ url: String(input), headers: { ...(init?.headers as Record<string, string>) }, redirect: init?.redirect });
        return fetch(input, init);
      },
    });
    const url = await completedOutputUrl();
    await spying.getCredits();
    await readAll((await spying.download(url)).body);

    const [api, output] = seen;
    expect(api!.headers).toEqual({ "x-api-key": API_KEY, "content-type": "application/json" });
    expect(api!.redirect).toBe("manual");
    expect(output!.url).toBe(url);
    expect(output!.headers).toEqual({});
    expect(JSON.stringify(output)).not.toContain(API_KEY);
  });

  it("treats an API redirect as malformed instead of carrying the key elsewhere", async () => {
    standIn.inject({ route: "credits", kind: { status: 302, headers: { location: "http://elsewhere.invalid/" } } });
    const error = await expectSegmindError(client.getCredits(), "MALFORMED_RESPONSE");
    expect(error.httpStatus).toBe(302);
  });
});
