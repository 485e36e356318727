import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/client";
import {
  type GatewayDirs,
  freePort,
  makeGatewayDirs,
  startGateway,
  stopAllGateways,
} from "../support/process";
import { seedTeam } from "../support/teams";

/**
 * Who may call without a key, as `npm start` decides it: sandbox mode lets anonymous callers
 * try it out; a gateway with a real SEGMIND_API_KEY refuses them unless ALLOW_ANONYMOUS=true.
 */
const WHO = "{ generations(first: 1) { totalCount } }";

async function post(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json", ...headers },
    body: JSON.stringify({ query: WHO }),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, body: (await response.json()) as any };
}

const dirs: GatewayDirs[] = [];
afterAll(async () => {
  await stopAllGateways();
  for (const dir of dirs) dir.remove();
});

describe("anonymous requests, by configuration", () => {
  async function gateway(env: Record<string, string>) {
    const dir = makeGatewayDirs();
    dirs.push(dir);
    // A real-looking key, and nothing listening where Segmind would be: no request leaves.
    const closedPort = await freePort();
    const process = await startGateway({
      DATABASE_URL: dir.databaseUrl,
      MEDIA_DIR: dir.mediaDir,
      SEGMIND_BASE_URL: `http://127.0.0.1:${closedPort}`,
      ...env,
    });
    return { process, dir };
  }

  it("with SEGMIND_API_KEY set and nothing else: anonymous requests get 401, a team's key gets in", async () => {
    const { process, dir } = await gateway({ SEGMIND_API_KEY: "SG_0123456789abcdef0123" });
    const anonymous = await post(process.url);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.errors[0].extensions.code).toBe("UNAUTHENTICATED");
    expect(process.stderr()).toContain("every request needs an API key");

    const { db, close } = await openDatabase(dir.databaseUrl);
    const team = await seedTeam(db, "acme", { app: "generate,read" });
    await close();
    const withKey = await post(process.url, { authorization: `Bearer ${team.keys.app}` });
    expect(withKey).toEqual({ status: 200, body: { data: { generations: { totalCount: 0 } } } });
    await process.stop();
  }, 60_000);

  it("with SEGMIND_API_KEY and ALLOW_ANONYMOUS=true: anonymous requests are served, with a warning at start", async () => {
    const { process } = await gateway({ SEGMIND_API_KEY: "SG_0123456789abcdef0123", ALLOW_ANONYMOUS: "true" });
    expect(await post(process.url)).toEqual({ status: 200, body: { data: { generations: { totalCount: 0 } } } });
    expect(process.stderr()).toContain("ALLOW_ANONYMOUS is on with a real SEGMIND_API_KEY");
    await process.stop();
  }, 60_000);

  it("in sandbox mode: anonymous by default, refused with ALLOW_ANONYMOUS=false", async () => {
    const sandbox = await gateway({});
    expect((await post(sandbox.process.url)).status).toBe(200);
    await sandbox.process.stop();
    const closed = await gateway({ ALLOW_ANONYMOUS: "false" });
    expect((await post(closed.process.url)).status).toBe(401);
    await closed.process.stop();
  }, 60_000);
});
