import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createYoga } from "graphql-yoga";
import { afterAll, describe, expect, it } from "vitest";
import { studioAssetsDirectory, studioRoute } from "../../src/http/studio";
import { REPO_ROOT } from "../support/process";

/** The studio's route in front of a bare yoga: its files, its redirect, its refusals. */
function server(options: Parameters<typeof studioRoute>[0]) {
  const yoga = createYoga({ plugins: [studioRoute(options)], graphiql: false, landingPage: false });
  return (path: string, init: RequestInit = {}) => yoga.fetch(`http://gateway.test${path}`, init);
}

const PUBLIC_URL = "https://videos.example.com";
const scratch = mkdtempSync(join(tmpdir(), "studio-route-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("the studio route", () => {
  const fetchStudio = server({ publicUrl: PUBLIC_URL });

  it("serves the page at /studio and /studio/, with a policy that keeps it on this gateway", async () => {
    for (const path of ["/studio", "/studio/"]) {
      const response = await fetchStudio(path);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
      const html = await response.text();
      expect(html).toContain('<script type="module" src="/studio/assets/studio.js"></script>');
      const csp = response.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).toContain(`media-src 'self' ${PUBLIC_URL}`);
    }
  });

  it("serves the script and styles with ETags (304 when unchanged) and gzip when asked", async () => {
    const script = await fetchStudio("/studio/assets/studio.js");
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    const etag = script.headers.get("etag") as string;
    const bytes = Buffer.from(await script.arrayBuffer());
    expect(bytes.length).toBeGreaterThan(10_000);
    expect((await fetchStudio("/studio/assets/studio.js", { headers: { "if-none-match": etag } })).status).toBe(304);
    const zipped = await fetchStudio("/studio/assets/studio.css", { headers: { "accept-encoding": "gzip, br" } });
    expect(zipped.headers.get("content-encoding")).toBe("gzip");
    const head = await fetchStudio("/studio/assets/studio.css", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
  });

  it("sends a browser asking for / to the studio; a program asking for / is left alone", async () => {
    const browser = await fetchStudio("/", { headers: { accept: "text/html,application/xhtml+xml,*/*;q=0.8" }, redirect: "manual" });
    expect(browser.status).toBe(302);
    expect(browser.headers.get("location")).toBe("/studio/");
    expect((await fetchStudio("/", { headers: { accept: "application/json" } })).status).not.toBe(302);
    expect((await fetchStudio("/")).status).not.toBe(302);
  });

  it("refuses other methods and unknown files, and says so when the studio is not built", async () => {
    const post = await fetchStudio("/studio", { method: "POST" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    expect((await fetchStudio("/studio/assets/../../package.json")).status).toBe(404);
    expect((await fetchStudio("/studio/assets/nope.js")).status).toBe(404);

    const empty = join(scratch, "empty");
    mkdirSync(empty);
    const unbuilt = await server({ publicUrl: PUBLIC_URL, assetsDirectory: empty })("/studio");
    expect(unbuilt.status).toBe(503);
    expect(await unbuilt.text()).toContain("npm run studio:build");
  });

  it("finds studio/assets from the package root, wherever the server's code sits below it", () => {
    expect(studioAssetsDirectory()).toBe(join(REPO_ROOT, "studio", "assets"));
    // A compiled server (e.g. dist/http/studio.js in a package) finds its own package's files.
    const compiled = join(scratch, "package", "dist", "http");
    mkdirSync(compiled, { recursive: true });
    writeFileSync(join(scratch, "package", "package.json"), "{}");
    expect(studioAssetsDirectory(join(compiled, "studio.js"))).toBe(join(scratch, "package", "studio", "assets"));
  });
});
