import { join } from "node:path";
import { type Browser, type BrowserContext, type Page, type Request, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CHROMIUM,
  CHROMIUM_ARGS,
  foreignRequests,
  hasChromium,
  onCI,
  openGraphiQL,
  replaceEditorText,
  replaceVariables,
  visibleText,
} from "../support/browser";
import {
  type GatewayDirs,
  type GatewayProcess,
  GENERATE_VIDEO,
  QUICK_START_INPUT,
  freePort,
  makeGatewayDirs,
  postGraphQL,
  startGateway,
  stopAllGateways,
} from "../support/process";

/**
 * Subscriptions in GraphiQL, in real Chromium against a real gateway process. Yoga's GraphiQL
 * sends subscriptions over SSE to /graphql itself: its executor defaults to the GRAPHQL_SSE
 * protocol with subscriptionsEndpoint = the GraphQL endpoint, which becomes
 * `GET /graphql?query=…&variables=…` with `Accept: text/event-stream` (graphql-sse's distinct
 * connections mode). The gateway serves that as it is configured: no WebSocket, no other path.
 *
 * GraphiQL's response pane shows one payload at a time, replacing it as the next arrives, so
 * "streamed" means: the pane's text changes on its own while the request is open. A
 * MutationObserver in the page records every distinct text the pane shows. The pane wraps
 * long values (ids, URLs) across lines, so its text is read with whitespace removed.
 *
 * Set GRAPHIQL_SCREENSHOT_DIR to keep a screenshot of each pane's final state.
 */
const ONE = `subscription One($id: ID!, $after: Int) { generationUpdated(id: $id, after: $after) { kind sequence progress estimatedCompletionAt event { type toStatus } generation { status resultUrl } } }`;
const ALL = `subscription All { generationsUpdated(status: [SUCCEEDED]) { sequence event { toStatus } generation { id status } } }`;

/** Long enough to watch the generation run (the sandbox polls every 500 ms). */
const JOB_DURATION_MS = 3_000; // leaves the subscription seconds to start even on a loaded CI machine

interface PaneState {
  /** ms since the recorder started (performance.now() in the page). */
  at: number;
  text: string;
}

describe.skipIf(!hasChromium && !onCI)(`GraphiQL subscriptions in Chromium (needs ${CHROMIUM})`, () => {
  let dirs: GatewayDirs;
  let gateway: GatewayProcess;
  let browser: Browser;
  let context: BrowserContext;
  const requested: string[] = [];

  beforeAll(async () => {
    if (!hasChromium) throw new Error(`${CHROMIUM} is missing: CI must run \`apt-get install -y chromium\``);
    dirs = makeGatewayDirs();
    const port = String(await freePort());
    gateway = await startGateway({
      PORT: port,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      DATABASE_URL: dirs.databaseUrl,
      MEDIA_DIR: dirs.mediaDir,
      SANDBOX_JOB_DURATION_MS: String(JOB_DURATION_MS),
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.on("request", (request) => requested.push(request.url()));
  });

  afterAll(async () => {
    await browser?.close();
    await stopAllGateways();
    dirs?.remove();
  });

  it("shows generationUpdated streaming one generation's changes until it succeeds", async () => {
    const page = await openGraphiQL(await context.newPage(), gateway.url);
    await replaceEditorText(page, ".graphiql-query-editor", ONE);
    const recorder = await recordPane(page);

    // Created only now, so that the subscription below starts while the job still runs.
    const id = await createGeneration(11);
    await replaceVariables(page, JSON.stringify({ id }));
    const subscription = waitForOperation(page, "generationUpdated");
    await page.locator(".graphiql-execute-button").click();
    await expectSseTransport(await subscription, { id });

    // The stream ends by itself after the final state: the Stop button turns back into Execute.
    await expect.poll(() => paneText(page), { timeout: 30_000 }).toContain('"toStatus":"SUCCEEDED"');
    await expect
      .poll(() => page.locator(".graphiql-execute-button").getAttribute("aria-label"), { timeout: 10_000 })
      .toMatch(/^Execute query/);
    await screenshot(page, "graphiql-generation-updated.png");

    const states = (await recorder()).filter((state) => state.text.includes("generationUpdated"));
    const seen = states.map((state) => summarize(state.text));
    // Streamed: several payloads were shown one after another, over time, in order...
    expect(states.length, JSON.stringify(seen)).toBeGreaterThanOrEqual(2);
    expect(new Set(seen.map((s) => s.status)).size, JSON.stringify(seen)).toBeGreaterThanOrEqual(2);
    expect(states.at(-1)!.at - states[0]!.at).toBeGreaterThan(200);
    const sequences = seen.map((s) => s.sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    // ...ending with the success, its video and full progress.
    const last = seen.at(-1)!;
    expect(last).toMatchObject({ kind: "EVENT", toStatus: "SUCCEEDED", status: "SUCCEEDED", progress: 1 });
    expect(states.at(-1)!.text).toContain(`"resultUrl":"${gateway.url}/media/generations/`);
    expect(seen.slice(0, -1).every((s) => s.status !== "SUCCEEDED")).toBe(true);

    expect(foreignRequests(requested, gateway.url)).toEqual([]);
    await page.close();
  }, 60_000);

  it("shows generationsUpdated receiving generations' updates as they happen", async () => {
    const page = await openGraphiQL(await context.newPage(), gateway.url);
    await replaceEditorText(page, ".graphiql-query-editor", ALL);
    await replaceVariables(page, "{}");
    const recorder = await recordPane(page);

    const subscription = waitForOperation(page, "generationsUpdated");
    await page.locator(".graphiql-execute-button").click();
    await expectSseTransport(await subscription, {});
    await expect
      .poll(() => page.locator(".graphiql-execute-button").getAttribute("aria-label"))
      .toMatch(/^Stop query/);

    // One after the other, so that each arrival is its own change of the pane.
    const ids: string[] = [];
    for (const seed of [21, 22]) {
      const id = await createGeneration(seed);
      ids.push(id);
      // Either field order: what matters is this generation reported SUCCEEDED.
      const succeeded = new RegExp(`"generation":\\{("id":"${id}","status":"SUCCEEDED"|"status":"SUCCEEDED","id":"${id}")\\}`);
      await expect.poll(() => paneText(page), { timeout: 30_000 }).toMatch(succeeded);
    }
    await screenshot(page, "graphiql-generations-updated.png");

    const states = (await recorder()).filter((state) => state.text.includes("generationsUpdated"));
    const seen = states.map((state) => summarize(state.text));
    // Both generations' updates arrived, the first one's before the second one's...
    const firstOf = (id: string) => seen.findIndex((s) => s.id === id);
    expect(firstOf(ids[0]!), JSON.stringify(seen)).toBeGreaterThanOrEqual(0);
    expect(firstOf(ids[1]!), JSON.stringify(seen)).toBeGreaterThan(firstOf(ids[0]!));
    // ...only while they were SUCCEEDED (the status filter), in sequence order.
    expect(seen.every((s) => s.status === "SUCCEEDED")).toBe(true);
    const sequences = seen.map((s) => s.sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));

    // It never completes: still running until the user stops it.
    expect(await page.locator(".graphiql-execute-button").getAttribute("aria-label")).toMatch(/^Stop query/);
    await page.locator(".graphiql-execute-button").click();
    await expect
      .poll(() => page.locator(".graphiql-execute-button").getAttribute("aria-label"))
      .toMatch(/^Execute query/);

    expect(foreignRequests(requested, gateway.url)).toEqual([]);
    await page.close();
  }, 60_000);

  async function createGeneration(seed: number): Promise<string> {
    const { data, errors } = await postGraphQL<{ generateVideo: { generation: { id: string } } }>(
      gateway.url,
      GENERATE_VIDEO,
      { input: { ...QUICK_START_INPUT, seed } },
    );
    expect(errors).toBeUndefined();
    return data!.generateVideo.generation.id;
  }

  /** Checks that GraphiQL sent the subscription as GraphQL over SSE to the gateway's /graphql. */
  async function expectSseTransport(request: Request, variables: Record<string, unknown>) {
    const url = new URL(request.url());
    expect(url.origin + url.pathname).toBe(`${gateway.url}/graphql`);
    expect(request.method()).toBe("GET");
    expect(await request.headerValue("accept")).toContain("text/event-stream");
    expect(JSON.parse(url.searchParams.get("variables") ?? "{}")).toEqual(variables);
    const response = await request.response();
    expect(response?.status()).toBe(200);
    expect(await response?.headerValue("content-type")).toMatch(/^text\/event-stream/);
  }

  async function screenshot(page: Page, name: string) {
    const dir = process.env.GRAPHIQL_SCREENSHOT_DIR;
    if (dir) await page.screenshot({ path: join(dir, name) });
  }
});

/** The request GraphiQL sends for the next operation whose text mentions `field` (GET or POST). */
function waitForOperation(page: Page, field: string): Promise<Request> {
  return page.waitForRequest(
    (request) =>
      new URL(request.url()).pathname === "/graphql" &&
      ((request.postData() ?? "").includes(field) || new URL(request.url()).searchParams.get("query")?.includes(field)) === true,
    { timeout: 10_000 },
  );
}

/** The response pane's text without whitespace (the pane wraps long values across lines). */
async function paneText(page: Page): Promise<string> {
  return (await visibleText(page, ".result-window")).replace(/\s+/g, "");
}

/**
 * Starts recording every distinct text the response pane shows, from now on; the returned
 * function reads what was recorded so far.
 */
async function recordPane(page: Page): Promise<() => Promise<PaneState[]>> {
  await page.locator(".result-window").waitFor({ state: "attached" });
  await page.evaluate(() => {
    const pane = document.querySelector(".result-window") as HTMLElement;
    const states: Array<{ at: number; text: string }> = [];
    const started = performance.now();
    const record = () => {
      const text = pane.innerText.replace(/\s+/g, "");
      if (states.at(-1)?.text !== text) states.push({ at: performance.now() - started, text });
    };
    (window as unknown as { paneStates: typeof states }).paneStates = states;
    new MutationObserver(record).observe(pane, { subtree: true, childList: true, characterData: true });
    record();
  });
  return () => page.evaluate(() => (window as unknown as { paneStates: PaneState[] }).paneStates);
}

/** The fields a pane's JSON shows, from its text without whitespace. */
function summarize(text: string) {
  const field = (name: string) => new RegExp(`"${name}":("[^"]*"|[-\\d.e]+|null)`).exec(text)?.[1];
  const value = (name: string) => {
    const raw = field(name);
    return raw === undefined ? undefined : (JSON.parse(raw) as string | number | null);
  };
  return {
    kind: value("kind"),
    sequence: value("sequence") as number,
    toStatus: value("toStatus"),
    status: value("status"),
    id: value("id"),
    progress: value("progress"),
  };
}
