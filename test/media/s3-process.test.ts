import { createHash, randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  GENERATE_VIDEO,
  type GatewayDirs,
  QUICK_START_INPUT,
  freePort,
  makeGatewayDirs,
  postGraphQL,
  spawnGateway,
  startGateway,
  stopAllGateways,
  waitForFinalStatus,
} from "../support/process";
import { type TestS3Server, startS3Server } from "../support/s3";

// `npm start` with MEDIA_STORE=s3, as an operator configures it: only environment variables.

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
let s3: TestS3Server;
let bucket: string;
const dirs: GatewayDirs[] = [];
// s3rver knows one key id and does not verify SigV4 signatures, so any secret is accepted:
// a random one shows whether it ever reaches the output.
const secret = `s3-secret-${randomBytes(16).toString("hex")}`;

const s3Env = () => ({
  MEDIA_STORE: "s3",
  S3_BUCKET: bucket,
  S3_PREFIX: "gateway/media",
  S3_ENDPOINT: s3.endpoint,
  S3_REGION: "us-east-1",
  S3_FORCE_PATH_STYLE: "true",
  S3_ACCESS_KEY_ID: "S3RVER",
  S3_SECRET_ACCESS_KEY: secret,
});

beforeAll(async () => {
  s3 = await startS3Server();
  bucket = `process-${randomBytes(4).toString("hex")}`;
  await s3.createBucket(bucket);
});
afterAll(async () => {
  await stopAllGateways();
  for (const created of dirs) created.remove();
  await s3?.close();
});

describe("npm start with MEDIA_STORE=s3", () => {
  it("stores the video in the bucket and serves it at its own /media/ URL with Range; the secret is never shown", async () => {
    const gatewayDirs = makeGatewayDirs();
    dirs.push(gatewayDirs);
    const gateway = await startGateway({
      DATABASE_URL: gatewayDirs.databaseUrl,
      MEDIA_DIR: gatewayDirs.mediaDir,
      SANDBOX_JOB_DURATION_MS: "300",
      LOG_LEVEL: "debug",
      ...s3Env(),
    });
    const ready = gateway
      .stderr()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((entry) => entry.message === "media store ready");
    expect(ready).toMatchObject({ mediaStore: "s3", bucket, prefix: "gateway/media/", endpoint: s3.endpoint });
    const readyz = (await (await fetch(`${gateway.url}/readyz`)).json()) as { checks: Record<string, unknown> };
    expect(readyz.checks.mediaStore).toMatchObject({ ok: true, store: "s3", bucket, critical: false });

    const created = await postGraphQL(gateway.url, GENERATE_VIDEO, { input: QUICK_START_INPUT });
    const id: string = created.data.generateVideo.generation.id;
    const done = await waitForFinalStatus(gateway, id, 30_000);
    expect(done.status, done.errorMessage ?? "").toBe("SUCCEEDED");
    expect(done.resultUrl).toMatch(new RegExp(`^http://localhost:${gateway.port}/media/generations/.+\\.mp4$`));

    const path = new URL(done.resultUrl!).pathname;
    const whole = await fetch(`${gateway.url}${path}`);
    const bytes = new Uint8Array(await whole.arrayBuffer());
    expect(whole.status).toBe(200);
    expect(sha256(bytes)).toBe(done.videoSha256);
    const partial = await fetch(`${gateway.url}${path}`, { headers: { range: "bytes=0-99" } });
    expect(partial.status).toBe(206);
    expect(Buffer.from(await partial.arrayBuffer()).equals(Buffer.from(bytes.subarray(0, 100)))).toBe(true);

    // In the bucket under the prefix; on disk only the sandbox's own state, no video.
    const key = `gateway/media${path.slice("/media".length)}`;
    const head = await s3.client().send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(head.ContentLength).toBe(bytes.length);
    expect(readdirSync(gatewayDirs.mediaDir).filter((name) => !name.startsWith(".sandbox-state"))).toEqual([]);

    expect(await gateway.stop()).toEqual({ code: 0, signal: null });
    for (const text of [gateway.stdout(), gateway.stderr()]) expect(text).not.toContain(secret);
  }, 60_000);

  it("a bucket that does not exist stops the start with exit 1, naming S3_BUCKET and not the secret", async () => {
    const gatewayDirs = makeGatewayDirs();
    dirs.push(gatewayDirs);
    const gateway = spawnGateway({
      PORT: String(await freePort()),
      DATABASE_URL: gatewayDirs.databaseUrl,
      MEDIA_DIR: gatewayDirs.mediaDir,
      ...s3Env(),
      S3_BUCKET: "no-such-bucket",
    });
    const exit = await gateway.exited;
    expect(exit.code, gateway.stderr()).toBe(1);
    expect(gateway.stderr()).toContain('S3_BUCKET: "no-such-bucket" is not usable: the bucket does not exist');
    expect(gateway.stderr() + gateway.stdout()).not.toContain(secret);
  }, 30_000);
});
