import { createHash, randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import {
  type GatewayDirs,
  type GatewayProcess,
  GENERATE_VIDEO,
  QUICK_START_INPUT,
  freePort,
  makeGatewayDirs,
  postGraphQL,
  spawnGateway,
  startGateway,
  stopAllGateways,
  waitForFinalStatus,
} from "../support/process";

/**
 * `npm start` as a user runs it: a real process, real HTTP, real signals. Everything below the
 * process boundary is covered in-process elsewhere (test/e2e, test/segmind).
 */
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

const dirs: GatewayDirs[] = [];
function freshDirs(): GatewayDirs {
  const created = makeGatewayDirs();
  dirs.push(created);
  return created;
}

afterAll(async () => {
  await stopAllGateways();
  for (const created of dirs) created.remove();
});

async function generate(gateway: GatewayProcess): Promise<string> {
  const { data, errors } = await postGraphQL(gateway.url, GENERATE_VIDEO, { input: QUICK_START_INPUT });
  expect(errors).toBeUndefined();
  expect(data.generateVideo).toMatchObject({ __typename: "GenerateVideoPayload", generation: { status: "QUEUED" } });
  return data.generateVideo.generation.id;
}

async function download(url: string): Promise<{ response: Response; bytes: Uint8Array }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { response, bytes: new Uint8Array(await response.arrayBuffer()) };
}

/** Resolves with the exit, or rejects once `timeoutMs` has passed without one. */
async function exitWithin(gateway: GatewayProcess, timeoutMs: number) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`no exit within ${timeoutMs} ms\n${gateway.stderr()}`)), timeoutMs);
  });
  try {
    return await Promise.race([gateway.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe("npm start (src/server.ts as a process)", () => {
  it("quick start: with only PORT, DATABASE_URL and MEDIA_DIR it serves GraphiQL and runs a generation in sandbox mode", async () => {
    const { databaseUrl, mediaDir } = freshDirs();
    const gateway = await startGateway({ DATABASE_URL: databaseUrl, MEDIA_DIR: mediaDir });
    expect(gateway.stderr()).toContain("sandbox mode");

    const page = await fetch(`${gateway.url}/graphql`, { headers: { accept: "text/html" } });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain("seedance-gateway");
    expect(html.toLowerCase()).toContain("graphiql");
    // Self-hosted: no script or stylesheet from a CDN.
    expect(html).not.toMatch(/<(script|link)[^>]+(src|href)=["']https?:/i);

    const id = await generate(gateway);
    // Default SANDBOX_JOB_DURATION_MS (3 s) and poll interval: the quick start as documented.
    const done = await waitForFinalStatus(gateway, id, 30_000);
    expect(done).toMatchObject({ status: "SUCCEEDED", errorMessage: null });
    // Without PUBLIC_URL, links point at http://localhost:PORT.
    expect(done.resultUrl).toMatch(new RegExp(`^http://localhost:${gateway.port}/media/generations/.+\\.mp4$`));

    const { response, bytes } = await download(done.resultUrl!);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("video/mp4");
    expect(sha256(bytes)).toBe(done.videoSha256);

    const partial = await fetch(done.resultUrl!, { headers: { range: "bytes=0-99" } });
    expect(partial.status).toBe(206);
    expect((await partial.arrayBuffer()).byteLength).toBe(100);
  }, 60_000);

  it.each([
    { variable: "PORT", value: "abc", said: 'PORT: "abc" is not a port number (0 to 65535)' },
    { variable: "DATABASE_URL", value: "mysql://root:hunter2@x", said: 'DATABASE_URL: "mysql://…" does not start with file:' },
    { variable: "LOG_LEVEL", value: "chatty", said: 'LOG_LEVEL: "chatty" is not one of debug, info, warn, error, silent' },
  ])("a bad $variable ($value) exits 1 naming the variable and the value", async ({ variable, value, said }) => {
    const { databaseUrl, mediaDir } = freshDirs();
    const port = String(await freePort());
    const gateway = spawnGateway({ PORT: port, DATABASE_URL: databaseUrl, MEDIA_DIR: mediaDir, [variable]: value });

    const exit = await exitWithin(gateway, 15_000);
    expect(exit.code, gateway.stderr()).toBe(1);
    expect(gateway.stderr()).toContain(said);
    // A URL's credentials are never echoed.
    expect(gateway.stderr()).not.toContain("hunter2");
  });

  it("SIGTERM drains and exits 0 promptly; a restart on the same database serves the earlier generation", async () => {
    const { databaseUrl, mediaDir } = freshDirs();
    const env = { DATABASE_URL: databaseUrl, MEDIA_DIR: mediaDir, SANDBOX_JOB_DURATION_MS: "300" };
    const first = await startGateway(env);
    const id = await generate(first);
    const done = await waitForFinalStatus(first, id);
    expect(done.status).toBe("SUCCEEDED");

    const stopping = Date.now();
    first.signal("SIGTERM");
    const exit = await exitWithin(first, 8_000);
    expect(exit, first.stderr()).toEqual({ code: 0, signal: null });
    expect(Date.now() - stopping).toBeLessThan(8_000);
    expect(first.stderr()).toContain("stopped");

    const second = await startGateway(env);
    expect(second.port).not.toBe(first.port);
    const again = await waitForFinalStatus(second, id, 5_000);
    expect(again.status).toBe("SUCCEEDED");
    expect(again.videoSha256).toBe(done.videoSha256);
    expect(again.resultUrl).toContain(`localhost:${second.port}/`);
    const { response, bytes } = await download(again.resultUrl!);
    expect(response.status).toBe(200);
    expect(sha256(bytes)).toBe(done.videoSha256);

    expect(await second.stop()).toEqual({ code: 0, signal: null });
  }, 60_000);

  it("never shows the Segmind API key: not in logs, not in GraphQL, not when every call fails", async () => {
    const { databaseUrl, mediaDir } = freshDirs();
    const secret = `SG_${randomBytes(20).toString("hex")}`;
    const closedPort = await freePort();
    const gateway = await startGateway({
      DATABASE_URL: databaseUrl,
      MEDIA_DIR: mediaDir,
      SEGMIND_API_KEY: secret,
      ALLOW_ANONYMOUS: "true",
      SEGMIND_BASE_URL: `http://127.0.0.1:${closedPort}`,
      SEGMIND_TIMEOUT_MS: "1000",
      SUBMIT_MAX_ATTEMPTS: "2",
      CREDITS_CACHE_TTL_MS: "0",
      LOG_LEVEL: "debug",
    });
    expect(gateway.stderr()).not.toContain("sandbox mode");

    const id = await generate(gateway);
    const failed = await waitForFinalStatus(gateway, id, 30_000);
    expect(failed.status).toBe("FAILED");
    expect(failed.errorMessage).toBeTruthy();

    // Everything a client can read about the failure, and the credits read that fails too.
    const responses = await Promise.all([
      postGraphQL(gateway.url, EVERYTHING_ABOUT_A_GENERATION, { id }),
      postGraphQL(gateway.url, `{ generations(first: 10) { edges { node { errorCode errorMessage upstreamBaseUrl } } } }`),
      postGraphQL(gateway.url, CREDITS),
    ]);
    const everything = responses[0].data.generation;
    expect(everything.events.length).toBeGreaterThan(0);
    expect(responses[2].data.credits.upstreamError).not.toBeNull();
    const graphiql = await (await fetch(`${gateway.url}/graphql`, { headers: { accept: "text/html" } })).text();

    await gateway.stop();
    const seen = [...responses.map((response) => response.raw), graphiql, gateway.stdout(), gateway.stderr()];
    // The whole key, and its tail (catches "SG_abc…xyz"-style partial masking too).
    for (const text of seen) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(secret.slice(-12));
    }
  }, 60_000);
});

const EVERYTHING_ABOUT_A_GENERATION = `query Everything($id: ID!) {
  generation(id: $id) {
    status errorCode errorMessage attempts upstream upstreamBaseUrl upstreamMode upstreamRequestBody
    upstreamRequestId upstreamOutputUrl resultUrl
    events { sequence type fromStatus toStatus method path httpStatus durationMs attempt errorCode message }
  }
}`;

const CREDITS = `{
  credits { upstream freshness spentUsd balance { credits freeCredits } upstreamError { code message } }
}`;
