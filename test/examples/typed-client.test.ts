import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { staleGeneratedFiles } from "../support/codegen";
import {
  type GatewayDirs,
  type GatewayProcess,
  REPO_ROOT,
  freePort,
  makeGatewayDirs,
  startGateway,
  stopAllGateways,
  waitForFinalStatus,
} from "../support/process";

/**
 * examples/typed-client as a frontend team would use it: its typed documents are what codegen
 * makes from today's schema, it compiles with tsc, and it runs against a real gateway process:
 * submits, follows the generation over SSE, downloads the video and verifies its sha256.
 */
const EXAMPLE = join(REPO_ROOT, "examples", "typed-client");

function run(command: string, args: string[], options: { cwd: string; env?: Record<string, string> }) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
    const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.once("close", (code) => done({ code, stdout, stderr }));
  });
}

describe("the typed client example", () => {
  let dirs: GatewayDirs;
  let gateway: GatewayProcess;
  let build: string;

  beforeAll(async () => {
    dirs = makeGatewayDirs();
    const port = String(await freePort());
    gateway = await startGateway({
      PORT: port,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      DATABASE_URL: dirs.databaseUrl,
      MEDIA_DIR: dirs.mediaDir,
      SANDBOX_JOB_DURATION_MS: "1500",
    });
    // Compiled where it can be run as its own package: its package.json (ES modules) and the
    // repository's node_modules (graphql-sse) next to the output.
    build = mkdtempSync(join(tmpdir(), "typed-client-"));
    copyFileSync(join(EXAMPLE, "package.json"), join(build, "package.json"));
    symlinkSync(join(REPO_ROOT, "node_modules"), join(build, "node_modules"), "dir");
  });

  afterAll(async () => {
    await stopAllGateways();
    dirs?.remove();
    if (build) rmSync(build, { recursive: true, force: true });
  });

  it("has typed documents generated from the current schema.graphql (npm run codegen)", async () => {
    expect(await staleGeneratedFiles("../../examples/typed-client/codegen.ts")).toEqual([]);
  }, 120_000);

  it("compiles with tsc, then submits, follows over SSE and downloads a 10 s video whose sha256 checks out", async () => {
    const tsc = join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc");
    const compiled = await run(process.execPath, [tsc, "-p", join(EXAMPLE, "tsconfig.json"), "--outDir", join(build, "dist")], { cwd: EXAMPLE });
    expect(compiled.stdout + compiled.stderr).toBe("");
    expect(compiled.code).toBe(0);

    const out = join(build, "out");
    const ran = await run(process.execPath, [join(build, "dist", "main.js")], {
      cwd: build,
      env: { GATEWAY_URL: gateway.url, OUT_DIR: out, DURATION: "10", SEED: "31337" },
    });
    expect(ran.stderr).toBe("");
    expect(ran.code).toBe(0);
    const lines = ran.stdout.trim().split("\n");
    const summary = JSON.parse(lines.at(-1) as string) as Record<string, string | number>;
    expect(summary).toMatchObject({ status: "SUCCEEDED", seed: 31337, duration: 10, resolution: "SD_480P" });
    // It watched the generation move through its states live, one update per change.
    expect(Number(summary.updates)).toBeGreaterThanOrEqual(4);
    for (const status of ["SUBMITTING", "RUNNING", "STORING", "SUCCEEDED"]) {
      expect(lines.some((line) => line.includes(` ${status} `)), status).toBe(true);
    }
    // The file on disk is the gateway's video, byte for byte.
    const bytes = readFileSync(String(summary.file));
    expect(bytes.length).toBe(summary.bytes);
    expect(bytes.subarray(4, 8).toString("latin1")).toBe("ftyp");
    const recorded = await waitForFinalStatus(gateway, String(summary.id), 5_000);
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(recorded.videoSha256);
  }, 120_000);

  it("reports a typed refusal with the field it names, and exit code 2", async () => {
    const ran = await run(process.execPath, [join(build, "dist", "main.js")], {
      cwd: build,
      env: { GATEWAY_URL: gateway.url, IMAGE_URL: "ftp://example.com/frame.png" },
    });
    expect(ran.code).toBe(2);
    expect(ran.stderr).toMatch(/^invalid input: imageUrl /);
  }, 60_000);
});
