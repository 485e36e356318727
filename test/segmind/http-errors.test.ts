import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Fault, SegmindStandIn } from "../../src/sandbox/standin";
import type { SegmindErrorKind } from "../../src/segmind/errors";
import type { SeedanceRequestBody, SegmindClient } from "../../src/segmind/types";
import { API_KEY, callRecorder, clientFor, expectSegmindError, requestBody, startStandIn } from "./helpers";

/** The stand-in's clock, moved by tests (rate-limit windows, record expiry). */
let clock = Date.parse("2026-11-24T12:00:30Z");
let standIn: SegmindStandIn;
let client: SegmindClient;

beforeAll(async () => {
  standIn = await startStandIn({ balanceUsd: 10, jobDurationMs: 1000, now: () => clock });
  client = clientFor(standIn);
});
afterAll(() => standIn.close());
afterEach(() => standIn.clearFaults());
beforeEach(() => {
  standIn.setModelRetired(false);
  standIn.setRateLimit(null);
});

const SLUG_PATH = "/v2/seedance-v1-lite-image-to-video";

async function rawFetch(path: string, init: RequestInit = {}): Promise<{ status: number; contentType: string; text: string }> {
  const res = await fetch(`${standIn.url}${path}`, init);
  return { status: res.status, contentType: res.headers.get("content-type") ?? "", text: await res.text() };
}

describe("authentication", () => {
  it("maps a rejected key to UNAUTHORIZED, an operator problem that names no key", async () => {
    const wrongKey = "SG_ffffffffffffffff";
    const error = await expectSegmindError(clientFor(standIn, { apiKey: wrongKey }).getCredits(), "UNAUTHORIZED");
    expect(error.message).toBe("Segmind rejected the API key (HTTP 401)");
    expect(error.upstreamMessage).toMatch(/^Unauthorized\. API key is invalid or may have expired/);
    expect(error).toMatchObject({ httpStatus: 401, notAccepted: true, transient: false });
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain(wrongKey);
  });

  it("answers 401 'Missing ...' with no key at all, and with only an Authorization: Bearer header", async () => {
    const missing = await expectSegmindError(clientFor(standIn, { apiKey: "" }).getCredits(), "UNAUTHORIZED");
    expect(missing.upstreamMessage).toBe("Missing Authorization or x-api-key in header");

    const bearer = await rawFetch("/v1/get-user-credits", { headers: { authorization: `Bearer ${API_KEY}` } });
    expect(bearer.status).toBe(401);
    expect(JSON.parse(bearer.text)).toEqual({ error: "Missing Authorization or x-api-key in header" });
  });
});

describe("the stand-in's protocol edges (raw HTTP)", () => {
  it("answers 406 'Invalid content type' to a POST that is not JSON", async () => {
    const res = await rawFetch(SLUG_PATH, {
      method: "POST",
      headers: { "x-api-key": API_KEY, "content-type": "text/plain" },
      body: JSON.stringify(requestBody()),
    });
    expect(res.status).toBe(406);
    expect(JSON.parse(res.text)).toEqual({ error: "Invalid content type" });
  });

  it("answers a wrong verb on a known route with an HTML 405", async () => {
    const res = await rawFetch(SLUG_PATH, { headers: { "x-api-key": API_KEY } });
    expect(res.status).toBe(405);
    expect(res.contentType).toMatch(/^text\/html/);
    expect(res.text).toContain("<html>");
  });

  it("answers an unknown model slug with JSON 404, and the client maps it to NOT_FOUND", async () => {
    const error = await expectSegmindError(clientFor(standIn, { modelSlug: "no-such-model" }).submit(requestBody()), "NOT_FOUND");
    expect(error.upstreamMessage).toBe("Model no-such-model not found");
    expect(error.notAccepted).toBe(true);
  });
});

describe("validation (400, nothing billed)", () => {
  const bad: [string, Record<string, unknown>][] = [
    ["an empty prompt", { prompt: "  " }],
    ["a missing prompt", { prompt: undefined }],
    ["both image_url and first_frame_url", { first_frame_url: "https://example.com/b.png" }],
    ["neither image_url nor first_frame_url", { image_url: undefined }],
    ["a non-http image_url", { image_url: "ftp://example.com/a.png" }],
    ["an image_url that is not a URL", { image_url: "not a url" }],
    ["duration 7", { duration: 7 }],
    ["duration as a string", { duration: "5" }],
    ["resolution 1080p", { resolution: "1080p" }],
    ["seed 0", { seed: 0 }],
    ["seed 1000000", { seed: 1_000_000 }],
    ["a fractional seed", { seed: 1.5 }],
    ["camera_fixed as a string", { camera_fixed: "yes" }],
    ["last_frame_url with image_url", { last_frame_url: "https://example.com/z.png" }],
  ];

  it.each(bad)("refuses %s on v2 submit and on v1 sync", async (_name, overrides) => {
    const body = { ...requestBody(), ...overrides } as unknown as SeedanceRequestBody;
    const balance = standIn.balanceUsd();
    const accepted = standIn.stats.submitsAccepted;
    const submitError = await expectSegmindError(client.submit(body), "REJECTED_INPUT");
    expect(submitError).toMatchObject({ httpStatus: 400, notAccepted: true, transient: false });
    expect(submitError.upstreamMessage).toBeTruthy();
    await expectSegmindError(client.runSync(body), "REJECTED_INPUT");
    expect(standIn.balanceUsd()).toBe(balance);
    expect(standIn.stats.submitsAccepted).toBe(accepted);
  });

  it("accepts first_frame_url in place of image_url, and defaults for absent duration/resolution", async () => {
    const { image_url: _legacy, ...rest } = requestBody();
    const body = { ...rest, first_frame_url: "https://example.com/a.png", last_frame_url: "https://example.com/z.png" };
    await expect(client.submit(body as unknown as SeedanceRequestBody)).resolves.toMatchObject({ requestId: expect.any(String) });
    const { duration: _d, resolution: _r, ...minimal } = requestBody();
    await expect(client.submit(minimal as SeedanceRequestBody)).resolves.toMatchObject({ requestId: expect.any(String) });
  });
});

describe("account limits", () => {
  it("refuses with 406 INSUFFICIENT_CREDITS when the balance is below the price, naming both", async () => {
    const poor = await startStandIn({ balanceUsd: 0.1 });
    try {
      const poorClient = clientFor(poor);
      const expensive = await expectSegmindError(poorClient.submit(requestBody({ resolution: "720p" })), "INSUFFICIENT_CREDITS");
      expect(expensive).toMatchObject({ httpStatus: 406, notAccepted: true, transient: false });
      expect(expensive.upstreamMessage).toBe("Insufficient credits. Balance $0.1, required $0.225");

      await poorClient.submit(requestBody()); // 0.091 fits
      const second = await expectSegmindError(poorClient.runSync(requestBody()), "INSUFFICIENT_CREDITS");
      expect(second.upstreamMessage).toBe("Insufficient credits. Balance $0.009, required $0.091");
      expect(poor.balanceUsd()).toBeCloseTo(0.009, 9);
      expect(poor.stats).toMatchObject({ submitsAccepted: 1, syncsBilled: 0 });
    } finally {
      await poor.close();
    }
  });

  it("answers 410 MODEL_RETIRED on submit and sync while the model is retired; polls still work", async () => {
    const { requestId } = await client.submit(requestBody());
    standIn.setModelRetired(true);
    const retired = await expectSegmindError(client.submit(requestBody()), "MODEL_RETIRED");
    expect(retired).toMatchObject({ httpStatus: 410, notAccepted: true, transient: false });
    await expectSegmindError(client.runSync(requestBody()), "MODEL_RETIRED");
    await expect(client.getStatus(requestId)).resolves.toMatchObject({ status: "QUEUED" });
  });

  it("answers 429 past the per-minute limit, with resetAt from x-rate-limit-reset-at-utc", async () => {
    clock = Date.parse("2026-11-24T12:00:30Z");
    standIn.setRateLimit(2);
    await client.getCredits();
    await client.getCredits();
    const limited = await expectSegmindError(client.getCredits(), "RATE_LIMITED");
    expect(limited.resetAt?.toISOString()).toBe("2026-11-24T12:01:00.000Z");
    expect(limited).toMatchObject({ httpStatus: 429, notAccepted: true, transient: true });
    await expectSegmindError(client.submit(requestBody()), "RATE_LIMITED");

    clock = Date.parse("2026-11-24T12:01:00Z"); // the next window
    await expect(client.getCredits()).resolves.toMatchObject({ credits: expect.any(Number) });
  });
});

describe("request record expiry", () => {
  it("answers 404 'Request <id> not found' once the record is older than an hour; the output file outlives it", async () => {
    const { requestId } = await client.submit(requestBody());
    clock += 2_000;
    const { outputUrl } = await client.getResult(requestId);

    clock += 3_600_000;
    const status = await expectSegmindError(client.getStatus(requestId), "NOT_FOUND");
    expect(status.upstreamMessage).toBe(`Request ${requestId} not found`);
    expect(status).toMatchObject({ httpStatus: 404, notAccepted: true, transient: false });
    await expectSegmindError(client.getResult(requestId), "NOT_FOUND");
    await expect(client.download(outputUrl)).resolves.toMatchObject({ contentType: "video/mp4" });

    clock += 7 * 24 * 3_600_000;
    await expectSegmindError(client.download(outputUrl), "NOT_FOUND");
  });

  it("answers 404 for an id it never issued", async () => {
    await expectSegmindError(client.getStatus("00000000-0000-4000-8000-000000000000"), "NOT_FOUND");
  });
});

describe("status codes mapped to kinds (injected answers)", () => {
  const cases: [Fault["route"], number, string | undefined, SegmindErrorKind][] = [
    ["submit", 400, '{"error":"Unsupported operation"}', "REJECTED_INPUT"],
    ["submit", 403, '{"error":"Model not allowed for this team"}', "FORBIDDEN"],
    ["submit", 404, undefined, "NOT_FOUND"],
    ["submit", 405, undefined, "METHOD_NOT_ALLOWED"],
    ["submit", 406, '{"error":"Insufficient credits"}', "INSUFFICIENT_CREDITS"],
    ["submit", 406, '{"error":"Invalid content type"}', "INVALID_CONTENT_TYPE"],
    ["submit", 406, '{"error":"resolution 4k is not allowed"}', "REJECTED_INPUT"],
    ["submit", 410, '{"error":"Model retired"}', "MODEL_RETIRED"],
    ["submit", 422, '{"error":"Validation Error"}', "REJECTED_INPUT"],
    ["sync", 422, '{"error":"Prompt is Mandatory and must be string"}', "REJECTED_INPUT"],
    ["submit", 429, '{"error":"Too many requests"}', "RATE_LIMITED"],
    ["submit", 500, '{"error":"Internal error"}', "SERVER_ERROR"],
    ["sync", 502, "<html>Bad Gateway</html>", "SERVER_ERROR"],
    ["status", 503, "upstream unavailable", "SERVER_ERROR"],
    ["status", 422, '{"error":"weird"}', "REJECTED_INPUT"],
    ["result", 403, undefined, "FORBIDDEN"],
    ["credits", 404, '{"error":"No credits found for the user"}', "NOT_FOUND"],
    ["download", 403, "<Error><Code>AccessDenied</Code></Error>", "FORBIDDEN"],
  ];
  const callFor = async (route: Fault["route"]): Promise<unknown> => {
    switch (route) {
      case "submit":
        return client.submit(requestBody());
      case "sync":
        return client.runSync(requestBody());
      case "status":
        return client.getStatus("00000000-0000-4000-8000-000000000001");
      case "result":
        return client.getResult("00000000-0000-4000-8000-000000000001");
      case "credits":
        return client.getCredits();
      default:
        return client.download(`${standIn.url}/outputs/anything.mp4`);
    }
  };

  it.each(cases)("%s answering %i %s -> %s", async (route, status, body, kind) => {
    const balance = standIn.balanceUsd();
    const contentType = body?.startsWith("<html>") ? "text/html" : body?.startsWith("{") ? "application/json" : "text/plain";
    standIn.inject({ route, kind: { status, body, contentType } });
    const error = await expectSegmindError(callFor(route), kind);
    expect(error.httpStatus).toBe(status);
    expect(error.notAccepted).toBe(true); // any non-2xx proves Segmind did not bill
    if (body?.startsWith("{")) expect(error.upstreamMessage).toBe(JSON.parse(body).error);
    if (contentType === "text/html" || status === 405) expect(error.upstreamMessage).toBeUndefined();
    expect(standIn.balanceUsd()).toBe(balance);
  });

  it("leaves resetAt undefined on a 429 without the header, and parses an epoch-seconds one", async () => {
    standIn.inject({ route: "credits", kind: { status: 429 } });
    expect((await expectSegmindError(client.getCredits(), "RATE_LIMITED")).resetAt).toBeUndefined();
    standIn.inject({ route: "credits", kind: { status: 429, headers: { "x-rate-limit-reset-at-utc": "1795521600" } } });
    expect((await expectSegmindError(client.getCredits(), "RATE_LIMITED")).resetAt?.toISOString()).toBe("2026-11-24T12:00:00.000Z");
  });

  it("reports the failed exchange through onCall with its status and kind", async () => {
    standIn.inject({ route: "status", kind: { status: 503 } });
    const recorder = callRecorder();
    await expectSegmindError(client.getStatus("abc", recorder), "SERVER_ERROR");
    expect(recorder.calls).toEqual([
      { method: "GET", path: "/v2/requests/abc/status", httpStatus: 503, durationMs: expect.any(Number), errorKind: "SERVER_ERROR", requestId: "abc" },
    ]);
  });

  it("consumes an injected fault 'times' times, then answers normally", async () => {
    standIn.inject({ route: "any", kind: { status: 500 }, times: 2 });
    await expectSegmindError(client.getCredits(), "SERVER_ERROR");
    await expectSegmindError(client.getStatus("x"), "SERVER_ERROR");
    await expect(client.getCredits()).resolves.toMatchObject({ credits: expect.any(Number) });
  });
});
