import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  type GatewayProcess,
  REPO_ROOT,
  freePort,
  makeGatewayDirs,
  spawnGateway,
  startGateway,
  stopAllGateways,
} from "../support/process";

/**
 * Configuration as an operator meets it: a `.env` file in the working directory, and start-up
 * failures that name the setting behind them.
 */
const cleanup: Array<() => void> = [];
afterAll(async () => {
  await stopAllGateways();
  for (const remove of cleanup) remove();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "sg-startup-"));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function failsWith(env: Record<string, string>): Promise<string> {
  const dirs = makeGatewayDirs();
  cleanup.push(dirs.remove);
  const gateway: GatewayProcess = spawnGateway({
    PORT: String(await freePort()),
    DATABASE_URL: dirs.databaseUrl,
    MEDIA_DIR: dirs.mediaDir,
    ...env,
  });
  const exit = await gateway.exited;
  expect(exit.code, gateway.stderr()).toBe(1);
  return gateway.stderr();
}

describe("configuration from a .env file", () => {
  it("`cp .env.example .env` in a fresh directory starts the gateway on the documented defaults", async () => {
    const dir = tempDir();
    copyFileSync(join(REPO_ROOT, ".env.example"), join(dir, ".env"));
    // PORT from the environment (it wins over the file): 4000 may be taken on this machine.
    const gateway = await startGateway({}, { cwd: dir });
    expect(gateway.stderr()).toContain("read settings from .env");
    expect(gateway.stderr()).toContain("sandbox mode");
    // DATABASE_URL=file:./data/gateway.db and MEDIA_DIR=./data/media, relative to the directory.
    expect(existsSync(join(dir, "data/gateway.db"))).toBe(true);
    expect(existsSync(join(dir, "data/media"))).toBe(true);
    expect(await gateway.stop()).toEqual({ code: 0, signal: null });
  }, 60_000);

  it("takes settings from .env; the environment wins over it", async () => {
    const dir = tempDir();
    const dirs = makeGatewayDirs();
    cleanup.push(dirs.remove);
    writeFileSync(
      join(dir, ".env"),
      [`DATABASE_URL=${dirs.databaseUrl}`, `MEDIA_DIR=${dirs.mediaDir}`, "LOG_LEVEL=warn", "PORT=1"].join("\n"),
    );
    const gateway = await startGateway({ LOG_LEVEL: "info" }, { cwd: dir });
    expect(existsSync(dirs.databaseUrl.slice("file:".length))).toBe(true);
    // LOG_LEVEL=info from the environment: info lines are written.
    expect(gateway.stderr()).toContain("seedance-gateway listening");
    expect(await gateway.stop()).toEqual({ code: 0, signal: null });
  }, 60_000);
});

describe("traces configured from a .env file", () => {
  it("OTEL_* settings in .env reach the OpenTelemetry exporter (console: spans on stdout, with the service name)", async () => {
    const dir = tempDir();
    const dirs = makeGatewayDirs();
    cleanup.push(dirs.remove);
    writeFileSync(
      join(dir, ".env"),
      [`DATABASE_URL=${dirs.databaseUrl}`, `MEDIA_DIR=${dirs.mediaDir}`, "OTEL_TRACES_EXPORTER=console", "OTEL_SERVICE_NAME=gateway-from-dotenv"].join("\n"),
    );
    const gateway = await startGateway({}, { cwd: dir });
    expect(gateway.stderr()).toContain("tracing on (OpenTelemetry)");
    const response = await fetch(`${gateway.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "query FromDotenv { credits { spentUsd } }" }),
    });
    expect(response.status).toBe(200);
    expect(await gateway.stop()).toEqual({ code: 0, signal: null });
    expect(gateway.stdout()).toContain("query FromDotenv");
    expect(gateway.stdout()).toContain("gateway-from-dotenv");
  }, 60_000);
});

describe("start-up failures name the setting behind them", () => {
  it("DATABASE_URL: a SQLite file that cannot be created", async () => {
    const stderr = await failsWith({ DATABASE_URL: "file:/etc/passwd/x.db" });
    expect(stderr).toContain("DATABASE_URL: cannot create or open the SQLite file /etc/passwd/x.db: EEXIST");
  }, 30_000);

  it("DATABASE_URL: PostgreSQL refusing the connection", async () => {
    const port = await freePort();
    const stderr = await failsWith({ DATABASE_URL: `postgresql://postgres:hunter2@127.0.0.1:${port}/gateway` });
    expect(stderr).toContain(`DATABASE_URL: PostgreSQL at 127.0.0.1:${port} refused the connection`);
    expect(stderr).not.toContain("hunter2");
  }, 30_000);

  it("MEDIA_DIR: a directory that cannot be created", async () => {
    const stderr = await failsWith({ MEDIA_DIR: "/etc/passwd/media" });
    expect(stderr).toContain("MEDIA_DIR: cannot use /etc/passwd/media for videos");
  }, 30_000);

  it("PORT: already in use", async () => {
    const taken = createServer();
    const port = await freePort();
    await new Promise<void>((done) => taken.listen(port, "127.0.0.1", done));
    try {
      const stderr = await failsWith({ PORT: String(port) });
      expect(stderr).toContain(`PORT: ${port} is already in use on 127.0.0.1`);
    } finally {
      taken.close();
    }
  }, 30_000);
});
