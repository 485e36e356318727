import { createHash, randomBytes } from "node:crypto";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createFsMediaStore } from "../../src/media/fs-store";
import { InvalidMediaKeyError } from "../../src/media/media-key";
import { createS3Client } from "../../src/media/s3-open";
import { createS3MediaStore } from "../../src/media/s3-store";
import type { MediaStore } from "../../src/media/store";
import { type TestS3Server, startS3Server } from "../support/s3";
import { makeTempDir, patternBytes, readAll } from "./fixtures";
import { deferred } from "../support/deferred";

/**
 * One contract, every MediaStore: the directory store and the S3 store (against s3rver, a real
 * S3-compatible server on loopback) must behave the same for everything the gateway relies on.
 * Sizes cross S3's 5 MiB part size, so the S3 store's multipart path is exercised too.
 */
interface StoreUnderTest {
  store: MediaStore;
  /** Every key the backing storage holds right now (object keys, not temp or part files). */
  keys(): Promise<string[]>;
  /** Resolves once a put of `key` has written at least `bytes` somewhere not yet visible. */
  waitUntilWriting(key: string, bytes: number): Promise<void>;
  close(): Promise<void>;
}

const MiB = 1024 * 1024;

const fsStore = async (): Promise<StoreUnderTest> => {
  const { dir, remove } = await makeTempDir();
  const root = path.join(dir, "media");
  const store = createFsMediaStore(root);
  return {
    store,
    keys: () => listFiles(root),
    async waitUntilWriting(_key, bytes) {
      await waitFor(async () => {
        const names = await readdir(path.join(root, ".incoming"));
        const sizes = await Promise.all(names.map(async (name) => (await stat(path.join(root, ".incoming", name))).size));
        return sizes.some((size) => size >= bytes);
      });
    },
    close: remove,
  };
};

let s3: TestS3Server | undefined;
const s3Store = async (): Promise<StoreUnderTest> => {
  s3 ??= await startS3Server();
  const server = s3;
  const bucket = `contract-${randomBytes(4).toString("hex")}`;
  await server.createBucket(bucket);
  const client: S3Client = createS3Client(server.settings(bucket));
  const store = createS3MediaStore({ client, bucket, prefix: "media/" });
  return {
    store,
    async keys() {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
      return (listed.Contents ?? []).map((object) => (object.Key ?? "").replace(/^media\//, "")).sort();
    },
    async waitUntilWriting(key, bytes) {
      // A part of a multipart upload for this key has been stored (parts are 5 MiB).
      const parts = Math.floor(bytes / (5 * MiB));
      await waitFor(async () =>
        server.requests.filter(
          (request) => request.method === "PUT" && request.url.startsWith(`/${bucket}/media/${key}?`) && request.url.includes("partNumber=") && request.status === 200,
        ).length >= parts,
      );
    },
    async close() {
      client.destroy();
    },
  };
};

afterAll(async () => {
  await s3?.close();
});

describe.each([
  { name: "directory store", open: fsStore },
  { name: "S3 store", open: s3Store },
])("MediaStore contract: $name", ({ open }) => {
  let subject: StoreUnderTest;
  let store: MediaStore;
  const big = patternBytes(11 * MiB + 3, 1); // three S3 parts: 5 MiB, 5 MiB, 1 MiB + 3

  beforeAll(async () => {
    subject = await open();
    store = subject.store;
  });
  afterAll(() => subject.close());

  it("streams a body in, hashing and counting it on the way, and reads it back whole", async () => {
    const stored = await store.put("generations/big.mp4", chunked(big), "video/mp4");

    expect(stored).toEqual({ key: "generations/big.mp4", sha256: sha256Of(big), bytes: big.length, contentType: "video/mp4" });
    const info = await store.stat("generations/big.mp4");
    expect(info).toMatchObject({ bytes: big.length, contentType: "video/mp4" });
    expect(info?.modifiedAt).toBeInstanceOf(Date);
    expect((await readAll(store.read("generations/big.mp4"))).equals(big)).toBe(true);
  });

  it("stores small and empty objects with their content type", async () => {
    const one = await store.put("tiny/one.bin", Readable.from([Buffer.from("x")]), "application/x-one");
    expect(one).toMatchObject({ bytes: 1, sha256: sha256Of(Buffer.from("x")) });
    const empty = await store.put("tiny/empty.mp4", Readable.from([]), "video/mp4");
    expect(empty).toMatchObject({ bytes: 0, sha256: sha256Of(Buffer.alloc(0)) });

    expect(await store.stat("tiny/one.bin")).toMatchObject({ bytes: 1, contentType: "application/x-one" });
    expect(await store.stat("tiny/empty.mp4")).toMatchObject({ bytes: 0, contentType: "video/mp4" });
    expect((await readAll(store.read("tiny/one.bin"))).toString()).toBe("x");
    expect((await readAll(store.read("tiny/empty.mp4"))).length).toBe(0);
  });

  it("reads inclusive byte ranges, including the first and last byte and across part boundaries", async () => {
    await store.put("ranges.mp4", chunked(big), "video/mp4");
    const n = big.length;
    const cases: Array<[number, number]> = [
      [0, 0],
      [n - 1, n - 1],
      [0, n - 1],
      [10, 19],
      [5 * MiB - 2, 5 * MiB + 1], // across the first part boundary
      [n - 100, n - 1],
    ];
    for (const [start, end] of cases) {
      const bytes = await readAll(store.read("ranges.mp4", { start, end }));
      expect(bytes.equals(big.subarray(start, end + 1)), `range ${start}-${end}`).toBe(true);
    }
    // An end past the object is clamped to its last byte, as HTTP does.
    expect((await readAll(store.read("ranges.mp4", { start: n - 3, end: n + 100 }))).equals(big.subarray(n - 3))).toBe(true);
  });

  it("refuses malformed ranges before any I/O", () => {
    for (const range of [{ start: 5, end: 4 }, { start: -1, end: 4 }, { start: 0.5, end: 4 }, { start: 0, end: Number.NaN }]) {
      expect(() => store.read("ranges.mp4", range)).toThrow(RangeError);
    }
  });

  it("stat is null for a missing key, and reading one errors the stream", async () => {
    expect(await store.stat("missing/nothing.mp4")).toBeNull();
    await expect(readAll(store.read("missing/nothing.mp4"))).rejects.toThrow();
    await expect(readAll(store.read("missing/nothing.mp4", { start: 0, end: 9 }))).rejects.toThrow();
  });

  it("replaces an existing object whole", async () => {
    await store.put("replace/me.mp4", Readable.from([Buffer.from("old old old")]), "video/mp4");
    await store.put("replace/me.mp4", Readable.from([Buffer.from("new")]), "video/webm");
    expect(await store.stat("replace/me.mp4")).toMatchObject({ bytes: 3, contentType: "video/webm" });
    expect((await readAll(store.read("replace/me.mp4"))).toString()).toBe("new");
  });

  it("remove deletes the object; removing a missing key is not an error", async () => {
    await store.put("remove/me.mp4", Readable.from([Buffer.from("bye")]), "video/mp4");
    await store.remove("remove/me.mp4");
    expect(await store.stat("remove/me.mp4")).toBeNull();
    expect(await subject.keys()).not.toContain("remove/me.mp4");
    await expect(readAll(store.read("remove/me.mp4"))).rejects.toThrow();
    await expect(store.remove("remove/me.mp4")).resolves.toBeUndefined();
  });

  /** 7 MiB, then (once the store has written 5 MiB of it somewhere) the error. */
  const failsAfterWriting = (key: string, error: Error) =>
    async function* () {
      for (let i = 0; i < 7; i++) yield patternBytes(MiB, i);
      await subject.waitUntilWriting(key, 5 * MiB); // a temp file, or a multipart upload with a stored part
      throw error;
    };

  it("a body that errors midway rejects put with its error, destroys it, and leaves nothing under the key", async () => {
    const boom = new Error("upstream reset after 7 MiB");
    const body = Readable.from(failsAfterWriting("broken/new.mp4", boom)());
    await expect(store.put("broken/new.mp4", body, "video/mp4")).rejects.toBe(boom);
    expect(body.destroyed).toBe(true);
    expect(await store.stat("broken/new.mp4")).toBeNull();
    expect(await subject.keys()).not.toContain("broken/new.mp4");
  });

  it("a failed overwrite leaves the previous object intact", async () => {
    await store.put("broken/keep.mp4", Readable.from([Buffer.from("original")]), "video/mp4");
    const body = Readable.from(failsAfterWriting("broken/keep.mp4", new Error("socket hang up"))());
    await expect(store.put("broken/keep.mp4", body, "video/webm")).rejects.toThrow("socket hang up");
    expect(await store.stat("broken/keep.mp4")).toMatchObject({ bytes: 8, contentType: "video/mp4" });
    expect((await readAll(store.read("broken/keep.mp4"))).toString()).toBe("original");
  });

  it("nothing is visible under a key until its put completes", async () => {
    const gate = deferred();
    const first = patternBytes(7 * MiB, 21);
    const rest = patternBytes(MiB, 22);
    async function* heldMidway() {
      yield first;
      await gate.promise;
      yield rest;
    }
    const putting = store.put("atomic/clip.mp4", Readable.from(heldMidway()), "video/mp4");

    await subject.waitUntilWriting("atomic/clip.mp4", 5 * MiB);
    expect(await store.stat("atomic/clip.mp4")).toBeNull();
    expect(await subject.keys()).not.toContain("atomic/clip.mp4");
    await expect(readAll(store.read("atomic/clip.mp4"))).rejects.toThrow();

    gate.resolve();
    const stored = await putting;
    expect(stored.bytes).toBe(8 * MiB);
    expect(stored.sha256).toBe(sha256Of(Buffer.concat([first, rest])));
    expect(await store.stat("atomic/clip.mp4")).toMatchObject({ bytes: 8 * MiB });
  });

  it("concurrent puts of different keys each store exactly their own bytes", async () => {
    const bodies = [0, 1, 300_001, 64 * 1024, 6 * MiB + 7, 11 * MiB].map((size, i) => ({
      key: `concurrent/${i}.mp4`,
      bytes: patternBytes(size, 100 + i),
    }));
    const stored = await Promise.all(bodies.map(({ key, bytes }) => store.put(key, chunked(bytes), "video/mp4")));

    for (const [i, { key, bytes }] of bodies.entries()) {
      expect(stored[i]).toEqual({ key, sha256: sha256Of(bytes), bytes: bytes.length, contentType: "video/mp4" });
      expect((await readAll(store.read(key))).equals(bytes), key).toBe(true);
    }
  });

  it.each(["../escape.mp4", "/etc/passwd", "a//b.mp4", ".incoming/x", "with space.mp4", ""])(
    "refuses the key %j in put (destroying the body), stat and read",
    async (key) => {
      const body = Readable.from([Buffer.from("payload")]);
      await expect(store.put(key, body, "video/mp4")).rejects.toBeInstanceOf(InvalidMediaKeyError);
      expect(body.destroyed).toBe(true);
      await expect(store.stat(key)).rejects.toBeInstanceOf(InvalidMediaKeyError);
      expect(() => store.read(key)).toThrow(InvalidMediaKeyError);
    },
  );
});

const sha256Of = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** Uneven chunks, as a network body arrives. */
function chunked(bytes: Buffer, sizes = [1, 7000, 65536, 3, 262144]): Readable {
  async function* chunks() {
    let offset = 0;
    for (let i = 0; offset < bytes.length; i++) {
      const size = sizes[i % sizes.length]!;
      yield bytes.subarray(offset, offset + size);
      offset += size;
    }
  }
  return Readable.from(chunks());
}

async function listFiles(root: string, prefix = ""): Promise<string[]> {
  const entries = await readdir(path.join(root, prefix), { withFileTypes: true });
  const keys: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith(".")) continue; // the store's own .incoming and .meta
    const key = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) keys.push(...(await listFiles(root, key)));
    else keys.push(key);
  }
  return keys.sort();
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
