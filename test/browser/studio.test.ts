import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Browser, type BrowserContext, type Page, type Request, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/client";
import { CHROMIUM, CHROMIUM_ARGS, foreignRequests, hasChromium, onCI } from "../support/browser";
import { type GatewayDirs, type GatewayProcess, freePort, makeGatewayDirs, startGateway, stopAllGateways } from "../support/process";
import { seedTeam } from "../support/teams";

/**
 * The studio end to end, in real Chromium against a real gateway process (sandbox mode):
 * submit, watch the progress bar move to done through the subscription, play and seek the
 * video, sweep seeds, and see a validation error and a budget refusal where they belong.
 * Every request the pages make is recorded: none may leave the gateway's origin. Screenshots
 * are checked for content; set STUDIO_SCREENSHOT_DIR to keep them.
 */

/** Long enough to see the generation move through its states (the sandbox polls every 500 ms). */
const JOB_DURATION_MS = 4_000;

interface Sent {
  at: number;
  operation: string;
  stream: boolean;
}

describe.skipIf(!hasChromium && !onCI)(`the studio in Chromium (needs ${CHROMIUM})`, () => {
  let dirs: GatewayDirs;
  let gateway: GatewayProcess;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const requested: string[] = [];
  const sent: Sent[] = [];
  const figures: Record<string, unknown> = {};

  const record = (request: Request) => {
    requested.push(request.url());
    if (new URL(request.url()).pathname !== "/graphql" || request.method() !== "POST") return;
    const query = String((request.postDataJSON() as { query?: string } | null)?.query ?? "");
    const operation = /^\s*(?:query|mutation|subscription)\s+(\w+)/.exec(query)?.[1] ?? "?";
    sent.push({ at: Date.now(), operation, stream: (request.headers().accept ?? "").includes("text/event-stream") });
  };

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
    context.on("request", record);
    page = await context.newPage();
  });

  afterAll(async () => {
    if (Object.keys(figures).length > 0) console.log(`studio figures: ${JSON.stringify(figures)}`);
    await browser?.close();
    await stopAllGateways();
    dirs?.remove();
  });

  /** Checks a screenshot has content: decoded in the browser, most pixels are not one colour. */
  async function expectNonBlank(name: string, png: Buffer) {
    if (process.env.STUDIO_SCREENSHOT_DIR) {
      mkdirSync(process.env.STUDIO_SCREENSHOT_DIR, { recursive: true });
      writeFileSync(join(process.env.STUDIO_SCREENSHOT_DIR, `${name}.png`), png);
    }
    const viewer = await context.newPage();
    const stats = await viewer.evaluate(async (dataUrl) => {
      const image = new Image();
      image.src = dataUrl;
      await image.decode();
      const canvas = document.createElement("canvas");
      canvas.width = image.width;
      canvas.height = image.height;
      const context2d = canvas.getContext("2d") as CanvasRenderingContext2D;
      context2d.drawImage(image, 0, 0);
      const { data } = context2d.getImageData(0, 0, image.width, image.height);
      const counts = new Map<number, number>();
      for (let i = 0; i < data.length; i += 4 * 7) {
        const colour = ((data[i] as number) << 16) | ((data[i + 1] as number) << 8) | (data[i + 2] as number);
        counts.set(colour, (counts.get(colour) ?? 0) + 1);
      }
      const sampled = Math.ceil(data.length / (4 * 7));
      return { width: image.width, colours: counts.size, dominantShare: Math.max(...counts.values()) / sampled };
    }, `data:image/png;base64,${png.toString("base64")}`);
    await viewer.close();
    expect(stats.width).toBeGreaterThan(300);
    expect(stats.colours, `${name}: distinct colours`).toBeGreaterThan(20);
    expect(stats.dominantShare, `${name}: share of the most common colour`).toBeLessThan(0.9);
  }

  const take = (seed: number) => page.locator(`article.take[data-seed="${seed}"]`).first();
  const statusOf = async (seed: number) => take(seed).getAttribute("data-status");

  it("serves the studio at /studio, and / leads a browser there", async () => {
    await page.goto(`${gateway.url}/`, { waitUntil: "load" });
    expect(new URL(page.url()).pathname).toBe("/studio/");
    await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe("seedance studio");
    // The page-wide update stream is open before anything is submitted.
    await expect.poll(() => page.locator(".live").innerText(), { timeout: 15_000 }).toBe("live");
    await expect.poll(() => page.getByTestId("estimate").innerText()).toBe("$0.091");
    await expect.poll(() => page.getByTestId("budget").innerText()).toContain("Anonymous (sandbox mode)");
    // Every form control has a label a screen reader announces.
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll("input, select, textarea")]
        .filter((element) => (element as HTMLInputElement).labels?.length === 0 && !element.getAttribute("aria-label"))
        .map((element) => element.outerHTML),
    );
    expect(unlabelled).toEqual([]);
    await expectNonBlank("studio-start", await page.screenshot({ fullPage: true }));
  }, 60_000);

  it("submits, shows progress to done from the subscription alone, then plays and seeks the 10 s video", async () => {
    const mediaStatuses: number[] = [];
    const onResponse = (response: { url(): string; status(): number }) => {
      if (new URL(response.url()).pathname.startsWith("/media/")) mediaStatuses.push(response.status());
    };
    page.on("response", onResponse);
    await page.getByLabel("10 s").check();
    await page.getByLabel("Seed", { exact: true }).fill("4242");
    // What the take shows, every time it changes, recorded in the page (no test-side sampling gaps).
    await page.evaluate(() => {
      const seen: Array<{ at: number; status: string | null; value: number | null }> = [];
      (window as unknown as { seen: typeof seen }).seen = seen;
      const note = () => {
        const article = document.querySelector("article.take");
        const bar = article?.querySelector("progress");
        const last = seen.at(-1);
        const now = { at: performance.now(), status: article?.getAttribute("data-status") ?? null, value: bar ? bar.value : null };
        if (!last || last.status !== now.status || last.value !== now.value) seen.push(now);
      };
      new MutationObserver(note).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    const submitted = Date.now();
    const before = sent.length;
    await page.getByRole("button", { name: "Generate", exact: true }).click();

    await expect.poll(() => statusOf(4242), { timeout: 60_000, interval: 100 }).toBe("SUCCEEDED");
    figures.secondsToSucceededInPage = (Date.now() - submitted) / 1000;
    const seen = (await page.evaluate(() => (window as unknown as { seen: Array<{ status: string; value: number | null }> }).seen)) as Array<{
      status: string;
      value: number | null;
    }>;
    const running = seen.filter((state) => state.status !== "SUCCEEDED" && state.value !== null);
    const statuses = [...new Set(seen.map((state) => state.status).filter(Boolean))];
    figures.statusesSeen = statuses;
    figures.progressValuesSeen = running.length;
    // The bar moved: several values, rising, through several states, then done.
    expect(statuses.length).toBeGreaterThanOrEqual(3);
    expect(statuses.at(-1)).toBe("SUCCEEDED");
    const values = running.map((state) => state.value as number);
    expect(values.length).toBeGreaterThanOrEqual(3);
    expect(values.at(-1)!).toBeGreaterThan(values[0]!);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    // Through the subscription, not by polling: while it ran the page sent the mutation and
    // re-read the budget when it was sent and when it ended, nothing on a timer.
    const during = sent.slice(before).map((request) => request.operation);
    expect(during.filter((operation) => operation === "StudioGenerate")).toHaveLength(1);
    expect(during.filter((operation) => !["StudioGenerate", "StudioSession", "StudioRefresh"].includes(operation))).toEqual([]);
    expect(during.length).toBeLessThanOrEqual(4);
    expect(sent.some((request) => request.stream && request.operation === "StudioUpdates")).toBe(true);

    // The video: plays, lasts the requested 10 s, seeks (with Range requests, recorded from the
    // start: the <video> may load as soon as the take shows it).
    const video = take(4242).locator("video");
    const loaded = await video.evaluate(async (element: HTMLVideoElement) => {
      element.muted = true;
      element.preload = "auto";
      if (element.readyState < 2) await new Promise((done) => element.addEventListener("loadeddata", done, { once: true }));
      await element.play();
      await new Promise<void>((done) => {
        const check = () => (element.currentTime > 0.3 ? done() : requestAnimationFrame(check));
        check();
      });
      element.pause();
      await new Promise<void>((done) => {
        element.addEventListener("seeked", () => done(), { once: true });
        element.currentTime = 7.5;
      });
      return { duration: element.duration, readyState: element.readyState, currentTime: element.currentTime, width: element.videoWidth, height: element.videoHeight };
    });
    page.off("response", onResponse);
    figures.videoDurationSeconds = loaded.duration;
    expect(loaded.duration).toBeCloseTo(10, 1);
    expect([loaded.width, loaded.height]).toEqual([854, 480]);
    expect(loaded.currentTime).toBeCloseTo(7.5, 1);
    expect(loaded.readyState).toBeGreaterThanOrEqual(2);
    expect(mediaStatuses).toContain(206);
    await expectNonBlank("studio-succeeded", await take(4242).screenshot());
  }, 120_000);

  it("a seed sweep shows its takes side by side, each with its seed, and the snippet of its requests", async () => {
    await page.getByLabel("5 s").check();
    await page.getByLabel("Seed", { exact: true }).fill("700");
    await page.getByLabel("Takes per sweep").selectOption("3");
    await page.getByRole("button", { name: "Sweep seeds" }).click();
    const run = page.locator("section.run-sweep").first();
    await expect.poll(() => run.locator("article.take").count(), { timeout: 30_000 }).toBe(3);
    for (const seed of [700, 701, 702]) {
      await expect.poll(() => statusOf(seed), { timeout: 60_000 }).toBe("SUCCEEDED");
    }
    const boxes = await Promise.all([700, 701, 702].map((seed) => take(seed).boundingBox()));
    // Side by side: one row, left to right.
    expect(new Set(boxes.map((box) => Math.round(box!.y))).size).toBe(1);
    expect(boxes.map((box) => box!.x)).toEqual([...boxes.map((box) => box!.x)].sort((a, b) => a - b));
    await run.locator("summary", { hasText: "GraphQL of this request" }).click();
    const snippetText = await run.locator("pre").innerText();
    // One generateVideos batch (a seed sweep), not one request per seed.
    expect(snippetText).toContain("mutation StudioGenerateBatch($input: GenerateVideosInput!)");
    expect(snippetText.replace(/\s+/g, "")).toContain('"seeds":[700,701,702]');
    await expectNonBlank("studio-sweep", await run.screenshot());
  }, 120_000);

  it("shows the API's validation errors next to the fields they name, and sends nothing else", async () => {
    const takesBefore = await page.locator("article.take").count();
    await page.getByLabel("Prompt").fill("   ");
    await page.getByLabel("First frame (image URL)").fill("ftp://example.com/frame.png");
    await page.getByLabel("Seed", { exact: true }).fill("0");
    await page.getByRole("button", { name: "Generate", exact: true }).click();
    for (const field of ["prompt", "imageUrl", "seed"]) {
      const error = page.locator(`#${field}-error`);
      await expect.poll(() => error.isVisible(), { timeout: 10_000 }).toBe(true);
      const input = page.locator(`#${field}`);
      expect(await input.getAttribute("aria-invalid")).toBe("true");
      expect(await input.getAttribute("aria-describedby")).toBe(`${field}-error`);
      // Right below its own field.
      const [fieldBox, errorBox] = [await input.boundingBox(), await error.boundingBox()];
      expect(errorBox!.y).toBeGreaterThan(fieldBox!.y);
      expect(errorBox!.y - (fieldBox!.y + fieldBox!.height)).toBeLessThan(60);
    }
    expect(await page.locator("#seed-error").innerText()).toMatch(/999,?999|1/);
    expect(await page.locator("article.take").count()).toBe(takesBefore);
    await expectNonBlank("studio-invalid", await page.locator("form").first().screenshot());
  }, 60_000);

  it("shows a budget refusal in the budget panel, with the key kept in sessionStorage and out of every URL", async () => {
    const opened = await openDatabase(dirs.databaseUrl);
    const team = await seedTeam(opened.db, "studio-e2e", { web: "generate,read" }, { dailyLimitUsd: 0.1 });
    await opened.close();
    const key = team.keys.web as string;

    await page.getByLabel("Prompt").fill("A lighthouse at dusk, waves rolling in");
    await page.getByLabel("First frame (image URL)").fill("https://example.com/first-frame.png");
    await page.getByLabel("Seed", { exact: true }).fill("");
    await page.getByLabel("API key").fill(key);
    await page.getByRole("button", { name: "Use key" }).click();
    await expect.poll(() => page.getByTestId("budget").innerText(), { timeout: 10_000 }).toContain("$0.100 left today of $0.100");

    // The first fits ($0.091 of $0.10); the second would not.
    await page.getByRole("button", { name: "Generate", exact: true }).click();
    await expect.poll(() => page.getByTestId("budget").innerText(), { timeout: 10_000 }).toContain("$0.009 left today");
    await page.getByRole("button", { name: "Generate", exact: true }).click();
    const refusal = page.locator("#budget-error");
    await expect.poll(() => refusal.isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await refusal.innerText()).toMatch(/over the team's daily budget .*\$0\.091.*Nothing was sent or charged/);
    // Shown inside the cost and budget panel, not somewhere else on the page.
    expect(await page.locator("section.cost #budget-error").count()).toBe(1);
    await expectNonBlank("studio-budget-refused", await page.locator("section.cost").screenshot());

    expect(await page.evaluate(() => sessionStorage.getItem("seedance-studio:api-key"))).toBe(key);
    expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain(key);
    expect(requested.filter((url) => url.includes(key) || url.includes("sgw_live"))).toEqual([]);
  }, 60_000);

  it("fits a phone's width, and no page request ever left the gateway's origin", async () => {
    const phone = await context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(`${gateway.url}/studio#/gallery`, { waitUntil: "load" });
    await expect.poll(() => phone.locator("article.take").count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await expectNonBlank("studio-phone-gallery", await phone.screenshot());
    await phone.close();

    expect(requested.length).toBeGreaterThan(10);
    expect(foreignRequests(requested, gateway.url)).toEqual([]);
  }, 60_000);
});
