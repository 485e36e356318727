import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseExposition } from "../support/metrics";
import { until } from "../support/until";
import {
  GENERATE_VIDEO,
  QUICK_START_INPUT,
  REPO_ROOT,
  type GatewayDirs,
  freePort,
  makeGatewayDirs,
  postGraphQL,
  spawnGateway,
  stopAllGateways,
  waitForFinalStatus,
} from "../support/process";

/**
 * The compiled build as an operator deploys it: `npm run build`, then `node dist/server.js`
 * with no TypeScript tooling at run time (Node itself would refuse a .ts import), on SQLite
 * in sandbox mode; and `npm start`, whose SIGTERM must reach the server.
 */
const dirs: GatewayDirs[] = [];
function freshDirs(): GatewayDirs {
  const made = makeGatewayDirs();
  dirs.push(made);
  return made;
}
afterAll(async () => {
  await stopAllGateways();
  for (const made of dirs) made.remove();
});

/** The database id inside a Relay global id (`Generation:<uuid>`, base64), or the id itself. */
function localIdOf(id: string): string {
  const decoded = Buffer.from(id, "base64").toString();
  return decoded.startsWith("Generation:") ? decoded.slice("Generation:".length) : id;
}

const answers = (url: string) => async () => (await fetch(url, { signal: AbortSignal.timeout(2_000) })).status === 200;

describe("the compiled build", () => {
  beforeAll(() => {
    const built = spawnSync(process.execPath, ["--import", "tsx", "scripts/build.ts"], { cwd: REPO_ROOT, encoding: "utf8" });
    expect(built.status, built.stderr).toBe(0);
    expect(built.stdout).toMatch(/^built dist\//);
  }, 60_000);

  it("dist/ is plain JavaScript whose run-time imports are packages and Node built-ins, never TypeScript or tsx", () => {
    const meta = JSON.parse(readFileSync(join(REPO_ROOT, "dist/metafile.json"), "utf8")) as {
      outputs: Record<string, { imports: Array<{ path: string; kind: string; external?: boolean }> }>;
    };
    const outputs = Object.keys(meta.outputs).filter((file) => file.endsWith(".js"));
    expect(outputs).toEqual(expect.arrayContaining(["dist/server.js", "dist/keys.js", "dist/audit.js"]));
    const external = new Set(
      Object.values(meta.outputs).flatMap((output) => output.imports.filter((entry) => entry.external).map((entry) => entry.path)),
    );
    const typescript = [...external].filter((path) => /\.[mc]?tsx?$/.test(path) || path === "tsx" || path.startsWith("tsx/"));
    expect(typescript).toEqual([]);
    expect(existsSync(join(REPO_ROOT, "dist/fixtures"))).toBe(true);
    // The OpenTelemetry SDK and exporters load only when tracing is on: never a static import.
    const sdkStatic = Object.entries(meta.outputs).flatMap(([file, output]) =>
      output.imports
        .filter((entry) => /^@opentelemetry\/(sdk|exporter|resources|core)/.test(entry.path) && entry.kind !== "dynamic-import")
        .map((entry) => `${file} -> ${entry.path}`),
    );
    expect(sdkStatic).toEqual([]);
  });

  it("with OTEL_EXPORTER_OTLP_ENDPOINT, exports a generation's trace over OTLP/HTTP, flushed on SIGTERM", async () => {
    // A stand-in for a collector: records what arrives at /v1/traces (OTLP/JSON).
    const received: any[] = [];
    const receiver = createServer((request, response) => {
      let body = "";
      request.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      request.on("end", () => {
        if (request.url === "/v1/traces") received.push(JSON.parse(body));
        response.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    try {
      const { databaseUrl, mediaDir } = freshDirs();
      const port = await freePort();
      const spawnedAt = performance.now();
      const gateway = spawnGateway(
        {
          PORT: String(port),
          DATABASE_URL: databaseUrl,
          MEDIA_DIR: mediaDir,
          SANDBOX_JOB_DURATION_MS: "300",
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
          OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
          OTEL_SERVICE_NAME: "gateway-under-test",
        },
        { compiled: true },
      );
      await until("a first answer", answers(`${gateway.url}/healthz`), 30_000);
      console.log(`compiled start-up with tracing on: first answer ${Math.round(performance.now() - spawnedAt)} ms after spawn`);
      await until("ready", answers(`${gateway.url}/readyz`), 30_000);
      expect(gateway.stderr()).toContain("tracing on (OpenTelemetry)");

      const { data } = await postGraphQL(gateway.url, GENERATE_VIDEO, { input: QUICK_START_INPUT });
      const id: string = data.generateVideo.generation.id;
      expect((await waitForFinalStatus(gateway, id, 30_000)).status).toBe("SUCCEEDED");
      gateway.signal("SIGTERM");
      expect(await gateway.exited, gateway.stderr()).toEqual({ code: 0, signal: null });

      const resourceSpans = received.flatMap((body) => body.resourceSpans);
      const serviceNames = resourceSpans.map(
        (entry: any) => entry.resource.attributes.find((attribute: any) => attribute.key === "service.name")?.value.stringValue,
      );
      expect(new Set(serviceNames)).toEqual(new Set(["gateway-under-test"]));
      const spans = resourceSpans.flatMap((entry: any) => entry.scopeSpans.flatMap((scope: any) => scope.spans));
      const names = new Set(spans.map((span: any) => span.name));
      for (const name of ["mutation Generate", "Mutation.generateVideo", "generation", "generation.step submit", "segmind submit", "segmind download"]) {
        expect(names, name).toContain(name);
      }
      const generationTrace = spans.filter((span: any) => span.traceId === localIdOf(id).replace(/-/g, ""));
      expect(generationTrace.map((span: any) => span.name)).toEqual(expect.arrayContaining(["generation", "segmind submit"]));
      expect(JSON.stringify(spans)).not.toContain(QUICK_START_INPUT.prompt);
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  }, 90_000);

  it("node dist/server.js answers, runs a generation end to end, serves metrics, and drains on SIGTERM with exit 0", async () => {
    const { databaseUrl, mediaDir } = freshDirs();
    const port = await freePort();
    const spawnedAt = performance.now();
    const gateway = spawnGateway(
      { PORT: String(port), DATABASE_URL: databaseUrl, MEDIA_DIR: mediaDir, SANDBOX_JOB_DURATION_MS: "300" },
      { compiled: true },
    );
    await until("a first answer", answers(`${gateway.url}/healthz`), 30_000);
    const firstAnswerMs = Math.round(performance.now() - spawnedAt);
    await until("ready", answers(`${gateway.url}/readyz`), 30_000);
    const readyMs = Math.round(performance.now() - spawnedAt);
    // A figure, not an assertion (timings on a shared machine are noisy; bench/ holds targets).
    console.log(`compiled start-up: first answer ${firstAnswerMs} ms, ready ${readyMs} ms after spawn`);

    const { data, errors } = await postGraphQL(gateway.url, GENERATE_VIDEO, { input: QUICK_START_INPUT });
    expect(errors).toBeUndefined();
    const done = await waitForFinalStatus(gateway, data.generateVideo.generation.id, 30_000);
    expect(done.status).toBe("SUCCEEDED");
    const video = new Uint8Array(await (await fetch(done.resultUrl!.replace(`localhost:${port}`, `127.0.0.1:${port}`))).arrayBuffer());
    expect(createHash("sha256").update(video).digest("hex")).toBe(done.videoSha256);

    const metrics = parseExposition(await (await fetch(`${gateway.url}/metrics`)).text());
    expect(metrics.value("seedance_gateway_generations_finished_total", { status: "SUCCEEDED" })).toBe(1);

    gateway.signal("SIGTERM");
    expect(await gateway.exited, gateway.stderr()).toEqual({ code: 0, signal: null });
    expect(gateway.stderr()).toContain("stopped; unfinished generations resume on next start");
  }, 90_000);

  it("`npm start`: a SIGTERM to the npm process reaches the server, which drains and exits 0", async () => {
    const { databaseUrl, mediaDir } = freshDirs();
    const port = await freePort();
    const npm = spawn("npm", ["start", "--silent"], {
      cwd: REPO_ROOT,
      env: { ...process.env, PORT: String(port), DATABASE_URL: databaseUrl, MEDIA_DIR: mediaDir, LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    npm.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    npm.stdout?.resume();
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
      npm.once("close", (code, signal) => done({ code, signal })),
    );
    try {
      await until("npm start answering", answers(`http://127.0.0.1:${port}/healthz`), 60_000);
      npm.kill("SIGTERM");
      expect(await exited, stderr).toEqual({ code: 0, signal: null });
      expect(stderr).toContain("stopped; unfinished generations resume on next start");
      // Nothing is left listening.
      await expect(fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
    } finally {
      if (npm.exitCode === null) npm.kill("SIGKILL");
    }
  }, 120_000);
});
