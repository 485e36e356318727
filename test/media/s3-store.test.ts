import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { DeleteBucketCommand, HeadObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { ConfigError } from "../../src/config";
import { createLogger } from "../../src/logger";
import { openMediaStore } from "../../src/media/open-store";
import { createS3Client } from "../../src/media/s3-open";
import { MediaStoreError, createS3MediaStore } from "../../src/media/s3-store";
import { type TestS3Server, startS3Server } from "../support/s3";
import { patternBytes, readAll } from "./fixtures";

// What only the S3 store does (the shared contract is in store-contract.test.ts): how it talks
// to S3, what it cleans up, what it never leaks, and how it starts. Against s3rver on loopback.

const MiB = 1024 * 1024;
let s3: TestS3Server;
let bucket: string;
const logs: string[] = [];
const logger = createLogger({ level: "debug", write: (line) => logs.push(line) });

beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(() => s3?.close());

let newBucketCount = 0;
async function freshBucket(): Promise<string> {
  const name = `s3-store-${newBucketCount++}-${randomBytes(3).toString("hex")}`;
  await s3.createBucket(name);
  return name;
}
function storeFor(name: string, prefix = "") {
  const client = createS3Client(s3.settings(name));
  clients.push(client);
  return createS3MediaStore({ client, bucket: name, prefix, logger });
}
const clients: Array<{ destroy(): void }> = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.destroy();
  logs.length = 0;
});

const requestsFor = (name: string) => s3.requests.filter((request) => request.url.startsWith(`/${name}/`));
const sha256Of = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

describe("S3 media store: uploads", () => {
  beforeAll(async () => {
    bucket = await freshBucket();
  });

  it("sends a body smaller than one part as a single PutObject", async () => {
    const store = storeFor(bucket);
    await store.put("small.mp4", Readable.from([patternBytes(300_000, 1)]), "video/mp4");
    const sent = requestsFor(bucket).filter((request) => request.url.startsWith(`/${bucket}/small.mp4`));
    expect(sent.map((request) => `${request.method} ${request.url.replace(/\?.*/, "")}`)).toEqual([`PUT /${bucket}/small.mp4`]);
  });

  it("sends a larger body as a multipart upload of 5 MiB parts, completed once", async () => {
    const store = storeFor(bucket);
    const bytes = patternBytes(12 * MiB, 2);
    await store.put("large.mp4", Readable.from([bytes.subarray(0, 7 * MiB), bytes.subarray(7 * MiB)]), "video/mp4");

    const sent = requestsFor(bucket).filter((request) => request.url.startsWith(`/${bucket}/large.mp4`));
    const kinds = sent.map((request) =>
      request.url.includes("uploads") ? "create" : request.url.includes("partNumber=") ? "part" : request.method === "POST" ? "complete" : "other",
    );
    expect(kinds).toEqual(["create", "part", "part", "part", "complete"]);
    const head = await s3.client().send(new HeadObjectCommand({ Bucket: bucket, Key: "large.mp4" }));
    expect(head.ContentLength).toBe(12 * MiB);
  });

  it("aborts the multipart upload of a body that fails, and reports the body's error", async () => {
    const store = storeFor(bucket);
    const boom = new Error("download cut off");
    async function* failsAfterAPart() {
      for (let i = 0; i < 7; i++) yield patternBytes(MiB, i);
      await waitFor(() => requestsFor(bucket).some((request) => request.url.startsWith(`/${bucket}/failed.mp4?partNumber=1&`) && request.status === 200));
      throw boom;
    }
    await expect(store.put("failed.mp4", Readable.from(failsAfterAPart()), "video/mp4")).rejects.toBe(boom);

    const sent = requestsFor(bucket).filter((request) => request.url.startsWith(`/${bucket}/failed.mp4`));
    const uploadId = /uploadId=([^&]+)/.exec(sent.find((request) => request.url.includes("partNumber="))?.url ?? "")?.[1];
    expect(uploadId).toBeDefined();
    // Never completed; aborted with the same upload id.
    expect(sent.some((request) => request.method === "POST" && request.url.includes("uploadId="))).toBe(false);
    const deletes = sent.filter((request) => request.method === "DELETE");
    expect(deletes).toHaveLength(1);
    expect(deletes[0]?.url).toContain(`uploadId=${uploadId}`);
    // s3rver does not implement AbortMultipartUpload (405), so the store says so for an operator.
    const warning = logs.map((line) => JSON.parse(line)).find((entry) => entry.level === "warn");
    expect(warning).toMatchObject({ key: "failed.mp4", uploadId });
  });

  it("sends nothing at all for a body that fails before one part is full", async () => {
    const store = storeFor(bucket);
    async function* failsEarly() {
      yield patternBytes(MiB, 4);
      throw new Error("early");
    }
    await expect(store.put("early.mp4", Readable.from(failsEarly()), "video/mp4")).rejects.toThrow("early");
    expect(requestsFor(bucket).filter((request) => request.url.startsWith(`/${bucket}/early.mp4`))).toEqual([]);
  });

  it("streams 50 MiB with the source at most about two parts ahead of what S3 has stored", async () => {
    const store = storeFor(bucket);
    const total = 50 * MiB;
    const chunk = 64 * 1024;
    const expected = createHash("sha256");
    let produced = 0;
    let maxLead = 0;
    const storedParts = () =>
      requestsFor(bucket).filter((request) => request.url.startsWith(`/${bucket}/fifty.bin?`) && request.url.includes("partNumber=") && request.status === 200).length;

    async function* generate() {
      for (let i = 0; produced < total; i++) {
        maxLead = Math.max(maxLead, produced - storedParts() * 5 * MiB);
        const bytes = Buffer.alloc(chunk, i % 251);
        bytes.writeUInt32BE(i, 0);
        expected.update(bytes);
        produced += bytes.length;
        yield bytes;
      }
    }
    const stored = await store.put("fifty.bin", Readable.from(generate()), "application/octet-stream");

    expect(stored).toMatchObject({ bytes: total, sha256: expected.digest("hex") });
    // One part uploading, one being filled, plus stream buffers; the whole body would be 50 MiB.
    expect(maxLead).toBeLessThanOrEqual(11 * MiB);
    expect(maxLead).toBeGreaterThan(5 * MiB); // the measurement saw real buffering
  });
});

describe("S3 media store: reads", () => {
  let readBucket: string;
  const big = patternBytes(20 * MiB, 5);

  beforeAll(async () => {
    readBucket = await freshBucket();
    await storeFor(readBucket).put("video.mp4", Readable.from([big]), "video/mp4");
  });

  it("a reader that leaves early ends its S3 response instead of downloading the rest", async () => {
    const store = storeFor(readBucket);
    const before = requestsFor(readBucket).length;
    const stream = store.read("video.mp4");
    for await (const _chunk of stream) break; // one chunk, then the viewer is gone
    await waitFor(() => requestsFor(readBucket).slice(before).some((request) => request.method === "GET" && request.cutShort === true));
  });

  it("a range read returns exactly the bytes asked for", async () => {
    const store = storeFor(readBucket);
    // s3rver answers bytes=0-0 with the whole object; the store still yields one byte.
    expect((await readAll(store.read("video.mp4", { start: 0, end: 0 }))).equals(big.subarray(0, 1))).toBe(true);
    expect((await readAll(store.read("video.mp4", { start: 1, end: 1 }))).equals(big.subarray(1, 2))).toBe(true);
  });
});

describe("S3 media store: keys and prefixes", () => {
  it("keeps objects under its prefix, so two prefixes in one bucket never see each other", async () => {
    const shared = await freshBucket();
    const a = storeFor(shared, "gateway-a/media/");
    const b = storeFor(shared, "gateway-b/");
    await a.put("generations/1.mp4", Readable.from([Buffer.from("from a")]), "video/mp4");

    expect(await b.stat("generations/1.mp4")).toBeNull();
    expect((await readAll(a.read("generations/1.mp4"))).toString()).toBe("from a");
    const listed = await s3.client().send(new ListObjectsV2Command({ Bucket: shared }));
    expect(listed.Contents?.map((object) => object.Key)).toEqual(["gateway-a/media/generations/1.mp4"]);
  });
});

describe("S3 media store: errors never carry credentials", () => {
  it("a refused request becomes a MediaStoreError with the S3 error name and status only", async () => {
    const name = await freshBucket();
    // s3rver checks the key id (not SigV4 signatures): an unknown one is a 403 whose error body
    // names it, as S3's does; the SDK copies such fields onto its exception.
    const secret = "wrong-secret-0123456789";
    const client = createS3Client(s3.settings(name, { credentials: { accessKeyId: "AKIDUNKNOWN", secretAccessKey: secret } }));
    clients.push(client);
    const store = createS3MediaStore({ client, bucket: name, logger });

    const body = Readable.from([Buffer.from("video")]);
    const failure = await store.put("x.mp4", body, "video/mp4").catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MediaStoreError);
    expect(body.destroyed).toBe(true);
    const statFailure = await store.stat("x.mp4").catch((error: unknown) => error);
    const readFailure = await readAll(store.read("x.mp4")).catch((error: unknown) => error);

    for (const error of [failure, statFailure, readFailure]) {
      expect(error).toBeInstanceOf(MediaStoreError);
      const shown = JSON.stringify({ ...(error as object), message: (error as Error).message, stack: (error as Error).stack });
      expect(shown).toMatch(/HTTP 403/);
      // Not the secret, nor the extra fields of S3's error body (key ids, signing material).
      expect(shown).not.toContain(secret);
      expect(shown).not.toMatch(/AKIDUNKNOWN|AWSAccessKeyId|StringToSign|CanonicalRequest/);
    }
    expect((failure as Error).message).toContain("InvalidAccessKeyId");
    expect(logs.join("\n")).not.toContain(secret);
  });
});

describe("openMediaStore (MEDIA_STORE=s3 at start-up)", () => {
  it("opens a usable store on an existing bucket and describes it without credentials", async () => {
    const name = await freshBucket();
    const opened = await openMediaStore(s3.settings(name, { prefix: "media/" }), logger);
    try {
      expect(opened.description).toEqual({ mediaStore: "s3", bucket: name, prefix: "media/", endpoint: s3.endpoint });
      const stored = await opened.media.put("generations/a.mp4", Readable.from([Buffer.from("abc")]), "video/mp4");
      expect(stored.sha256).toBe(sha256Of(Buffer.from("abc")));
      const head = await s3.client().send(new HeadObjectCommand({ Bucket: name, Key: "media/generations/a.mp4" }));
      expect(head.ContentType).toBe("video/mp4");
    } finally {
      opened.close();
    }
  });

  it("reports on /readyz whether the bucket answers, without failing readiness", async () => {
    const name = await freshBucket();
    const opened = await openMediaStore(s3.settings(name), logger);
    try {
      const [check] = opened.readinessChecks;
      expect(check).toMatchObject({ name: "mediaStore", critical: false });
      expect(await check?.run()).toEqual({ ok: true, store: "s3", bucket: name });
      await s3.client().send(new DeleteBucketCommand({ Bucket: name }));
      expect(await check?.run()).toMatchObject({ ok: false, bucket: name, detail: expect.stringContaining("HTTP 404") });
    } finally {
      opened.close();
    }
  });

  it("refuses to start on a bucket that does not exist, naming S3_BUCKET", async () => {
    await expect(openMediaStore(s3.settings("no-such-bucket-here"), logger)).rejects.toThrow(/^S3_BUCKET: "no-such-bucket-here" .*does not exist/);
  });

  it("refuses to start with credentials S3 rejects, without showing the secret", async () => {
    const name = await freshBucket();
    const secret = "definitely-not-the-secret-42";
    const settings = s3.settings(name, { credentials: { accessKeyId: "AKIDUNKNOWN", secretAccessKey: secret } });
    const error = (await openMediaStore(settings, logger).catch((failure: unknown) => failure)) as Error;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/^S3_BUCKET: .* access denied/);
    expect(error.message).not.toContain(secret);
  });

  it("refuses to start without a region anywhere, naming S3_REGION", async () => {
    const saved = { ...process.env };
    // No region from the environment or a shared config file either.
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    process.env.AWS_CONFIG_FILE = "/nonexistent/aws-config";
    process.env.AWS_SHARED_CREDENTIALS_FILE = "/nonexistent/aws-credentials";
    try {
      const { region: _unset, ...withoutRegion } = s3.settings(await freshBucket());
      await expect(openMediaStore(withoutRegion, logger)).rejects.toThrow(/^S3_REGION: /);
    } finally {
      process.env = saved;
    }
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
