import { createHash, randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createS3Client } from "../../src/media/s3-open";
import { createS3MediaStore } from "../../src/media/s3-store";
import { describeEachDatabase } from "../support/databases";
import { GENERATION_QUERY, type Harness, VALID_INPUT, localId, startHarness } from "../support/harness";
import { type TestS3Server, startS3Server } from "../support/s3";

// Two gateways on one database and one bucket, as two instances on two machines would run:
// instance A's worker stores the video in S3; instance B, which never ran the job, serves it
// at the same /media/ path with Range, over real HTTP.

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

describeEachDatabase("videos in S3, served by any instance", (target) => {
  let s3: TestS3Server;
  let a: Harness;
  let b: Harness;
  let baseUrlB: string;
  const clients: S3Client[] = [];
  const bucket = `gateway-${randomBytes(4).toString("hex")}`;

  const s3Store = () => {
    const client = createS3Client(s3.settings(bucket));
    clients.push(client);
    return createS3MediaStore({ client, bucket, prefix: "videos/" });
  };

  beforeAll(async () => {
    s3 = await startS3Server();
    await s3.createBucket(bucket);
    a = await startHarness(target, { media: s3Store() });
    await a.listen();
    b = await startHarness(target, { database: a.database, standIn: a.standIn, media: s3Store(), start: false });
    baseUrlB = await b.listen();
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    for (const client of clients) client.destroy();
    await s3?.close();
  });

  it("stores the video in the bucket, not on the instance's disk, and serves it with Range from another instance", async () => {
    const payload = await a.generate(VALID_INPUT);
    const id = localId(payload.generation.id);
    await a.waitForStatus(id, ["SUCCEEDED", "FAILED"]);
    const { data } = await a.gql(GENERATION_QUERY, { id: payload.generation.id });
    const generation = data.generation;
    expect(generation.status).toBe("SUCCEEDED");

    // In S3 under the prefix, with the recorded size; nothing in either instance's directory.
    const head = await s3.client().send(new HeadObjectCommand({ Bucket: bucket, Key: `videos/generations/${id}.mp4` }));
    expect(head.ContentLength).toBe(generation.videoBytes);
    expect(head.ContentType).toBe("video/mp4");
    expect(readdirSync(a.mediaDir)).toEqual([]);
    expect(readdirSync(b.mediaDir)).toEqual([]);

    // resultUrl is still the gateway's own URL; its path works on instance B.
    const path = new URL(generation.resultUrl).pathname;
    expect(path).toBe(`/media/generations/${id}.mp4`);
    const url = `${baseUrlB}${path}`;

    const whole = await fetch(url);
    expect(whole.status).toBe(200);
    const bytes = new Uint8Array(await whole.arrayBuffer());
    expect(bytes.length).toBe(generation.videoBytes);
    expect(sha256(bytes)).toBe(generation.videoSha256);
    expect(whole.headers.get("content-type")).toBe("video/mp4");
    expect(whole.headers.get("accept-ranges")).toBe("bytes");
    const etag = whole.headers.get("etag");
    expect(etag).toMatch(/^".+"$/);

    const total = bytes.length;
    const ranges: Array<[string, number, number]> = [
      ["bytes=0-0", 0, 0],
      ["bytes=0-1", 0, 1], // Safari's first probe
      ["bytes=100-1123", 100, 1123],
      ["bytes=-10", total - 10, total - 1],
      [`bytes=${total - 5}-`, total - 5, total - 1],
      [`bytes=10-${total + 1000}`, 10, total - 1],
    ];
    for (const [header, start, end] of ranges) {
      const partial = await fetch(url, { headers: { range: header } });
      expect(partial.status, header).toBe(206);
      expect(partial.headers.get("content-range"), header).toBe(`bytes ${start}-${end}/${total}`);
      expect(partial.headers.get("content-length"), header).toBe(String(end - start + 1));
      expect(Buffer.from(await partial.arrayBuffer()).equals(Buffer.from(bytes.subarray(start, end + 1))), header).toBe(true);
    }

    const past = await fetch(url, { headers: { range: `bytes=${total}-` } });
    expect(past.status).toBe(416);
    expect(past.headers.get("content-range")).toBe(`bytes */${total}`);
    await past.arrayBuffer();

    const headOnly = await fetch(url, { method: "HEAD" });
    expect(headOnly.status).toBe(200);
    expect(headOnly.headers.get("content-length")).toBe(String(total));

    const cached = await fetch(url, { headers: { "if-none-match": etag as string } });
    expect(cached.status).toBe(304);
  });

  it("answers 404 for a video that is not in the bucket", async () => {
    const response = await fetch(`${baseUrlB}/media/generations/01890000-0000-7000-8000-000000000000.mp4`);
    expect(response.status).toBe(404);
    await response.arrayBuffer();
  });
});
