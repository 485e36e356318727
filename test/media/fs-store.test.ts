import { createHash } from "node:crypto";
import { existsSync, readdirSync, statSync } from "node:fs";
import { mkdir, readdir, rm, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { cleanIncoming, createFsMediaStore, READ_CHUNK_BYTES, STALE_INCOMING_AFTER_MS } from "../../src/media/fs-store";
import { InvalidMediaKeyError } from "../../src/media/media-key";
import type { MediaStore } from "../../src/media/store";
import { makeTempDir, patternBytes, readAll } from "./fixtures";

let dir: string;
let removeDir: () => Promise<void>;
let store: MediaStore;

beforeEach(async () => {
  ({ dir, remove: removeDir } = await makeTempDir());
  store = createFsMediaStore(path.join(dir, "media")); // not there yet: the store creates it
});
afterEach(() => removeDir());

const incomingFiles = () => readdirSync(path.join(dir, "media", ".incoming"));
const sha256Of = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** Splits bytes into uneven chunks, like a network body arrives. */
function chunked(bytes: Buffer, sizes = [1, 7000, 65536, 3]): Readable {
  async function* chunks() {
    let offset = 0;
    for (let i = 0; offset < bytes.length; i++) {
      const size = sizes[i % sizes.length]!;
      yield bytes.subarray(offset, offset + size);
      offset += size;
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}

describe("fs media store: round trip", () => {
  it("stores, stats and reads back exactly what was put, with an independent sha256", async () => {
    const bytes = patternBytes(300_001, 1);
    const stored = await store.put("jobs/42/result.mp4", chunked(bytes), "video/mp4");

    expect(stored).toEqual({
      key: "jobs/42/result.mp4",
      sha256: sha256Of(bytes),
      bytes: bytes.length,
      contentType: "video/mp4",
    });
    const stat = await store.stat("jobs/42/result.mp4");
    expect(stat).toMatchObject({ bytes: bytes.length, contentType: "video/mp4" });
    expect(stat?.modifiedAt).toBeInstanceOf(Date);
    expect((await readAll(store.read("jobs/42/result.mp4"))).equals(bytes)).toBe(true);
    expect(incomingFiles()).toEqual([]);
  });

  it("reads inclusive ranges", async () => {
    const bytes = patternBytes(1000, 2);
    await store.put("clip.mp4", Readable.from([bytes]), "video/mp4");

    expect(await readAll(store.read("clip.mp4", { start: 10, end: 19 }))).toEqual(bytes.subarray(10, 20));
    expect(await readAll(store.read("clip.mp4", { start: 999, end: 999 }))).toEqual(bytes.subarray(999));
    expect(await readAll(store.read("clip.mp4", { start: 0, end: 999 }))).toEqual(bytes);
    expect(() => store.read("clip.mp4", { start: 5, end: 4 })).toThrow(RangeError);
    expect(() => store.read("clip.mp4", { start: -1, end: 4 })).toThrow(RangeError);
  });

  it("keeps the content type across store instances, and stores empty objects", async () => {
    await store.put("empty.bin", Readable.from([]), "application/x-empty");
    const reopened = createFsMediaStore(path.join(dir, "media"));
    expect(await reopened.stat("empty.bin")).toMatchObject({ bytes: 0, contentType: "application/x-empty" });
    expect((await readAll(reopened.read("empty.bin"))).length).toBe(0);
  });

  it("replaces an existing object whole", async () => {
    await store.put("a/b.mp4", Readable.from([Buffer.from("old old old")]), "video/mp4");
    await store.put("a/b.mp4", Readable.from([Buffer.from("new")]), "video/webm");
    expect(await store.stat("a/b.mp4")).toMatchObject({ bytes: 3, contentType: "video/webm" });
    expect((await readAll(store.read("a/b.mp4"))).toString()).toBe("new");
  });

  it("stat returns null for missing keys, directories and paths through files", async () => {
    await store.put("dir/file.mp4", Readable.from([Buffer.from("x")]), "video/mp4");
    expect(await store.stat("nope.mp4")).toBeNull();
    expect(await store.stat("dir")).toBeNull();
    expect(await store.stat("dir/file.mp4/below")).toBeNull();
  });
});

describe("fs media store: failed writes", () => {
  it("a body that errors midway rejects put and leaves nothing under the key and no temp file", async () => {
    const boom = new Error("upstream reset");
    async function* breaksAfterAWhile() {
      yield patternBytes(100_000, 3);
      yield patternBytes(100_000, 4);
      throw boom;
    }
    await expect(store.put("jobs/1/out.mp4", Readable.from(breaksAfterAWhile()), "video/mp4")).rejects.toBe(boom);

    expect(await store.stat("jobs/1/out.mp4")).toBeNull();
    expect(existsSync(path.join(dir, "media", "jobs", "1", "out.mp4"))).toBe(false);
    expect(existsSync(path.join(dir, "media", ".meta", "jobs", "1", "out.mp4.json"))).toBe(false);
    expect(incomingFiles()).toEqual([]);
  });

  it("a failed overwrite leaves the previous object intact", async () => {
    await store.put("keep.mp4", Readable.from([Buffer.from("original")]), "video/mp4");
    const broken = new Readable({ read() { this.destroy(new Error("socket hang up")); } });
    await expect(store.put("keep.mp4", broken, "video/webm")).rejects.toThrow("socket hang up");

    expect(await store.stat("keep.mp4")).toMatchObject({ bytes: 8, contentType: "video/mp4" });
    expect((await readAll(store.read("keep.mp4"))).toString()).toBe("original");
    expect(incomingFiles()).toEqual([]);
  });
});

describe("fs media store: key validation", () => {
  const badKeys = [
    "",
    "../escape.mp4",
    "a/../../escape.mp4",
    "a/..",
    "..",
    "a..b.mp4",
    "/etc/passwd",
    "a//b.mp4",
    "a/b/",
    "./a.mp4",
    ".incoming/x",
    ".meta/x.json",
    "a\\..\\b",
    "with space.mp4",
    "ünïcode.mp4",
    "nul\0.mp4",
    "x".repeat(513),
  ];

  it.each(badKeys)("rejects %j in put, stat and read without touching the disk", async (key) => {
    const body = Readable.from([Buffer.from("payload")]);
    await expect(store.put(key, body, "video/mp4")).rejects.toBeInstanceOf(InvalidMediaKeyError);
    expect(body.destroyed).toBe(true);
    await expect(store.stat(key)).rejects.toBeInstanceOf(InvalidMediaKeyError);
    expect(() => store.read(key)).toThrow(InvalidMediaKeyError);

    expect(readdirSync(dir)).toEqual(["media"]);
    expect(readdirSync(path.join(dir, "media")).sort()).toEqual([".incoming", ".meta"]);
    expect(incomingFiles()).toEqual([]);
  });

  it("accepts ordinary nested keys", async () => {
    for (const key of ["a.mp4", "jobs/2024-01-01/abc_DEF-123.mp4", "x/y/z/poster.v2.jpg"]) {
      await store.put(key, Readable.from([Buffer.from(key)]), "application/octet-stream");
      expect((await readAll(store.read(key))).toString()).toBe(key);
    }
  });
});

describe("fs media store: large objects stream through", () => {
  it("puts 50 MB with the source never more than a few chunks ahead of the disk", async () => {
    const chunkSize = 64 * 1024;
    const chunkCount = 800; // 50 MiB
    const expectedHash = createHash("sha256");
    let produced = 0;
    let maxLead = 0;
    const incomingDir = path.join(dir, "media", ".incoming");

    // Makes each chunk on demand and measures how far production runs ahead of what is on disk.
    async function* generate() {
      for (let i = 0; i < chunkCount; i++) {
        if (i % 16 === 0) {
          // The data's temp file (the sidecar's is written beside it).
          const temp = readdirSync(incomingDir).find((name) => name.endsWith(".part"));
          const onDisk = temp ? statSync(path.join(incomingDir, temp)).size : 0;
          maxLead = Math.max(maxLead, produced - onDisk);
        }
        const chunk = Buffer.alloc(chunkSize, i % 251);
        chunk.writeUInt32BE(i, 0);
        expectedHash.update(chunk);
        produced += chunk.length;
        yield chunk;
      }
    }

    const rssBefore = process.memoryUsage().rss;
    const stored = await store.put("big.bin", Readable.from(generate()), "application/octet-stream");
    const rssGrowth = process.memoryUsage().rss - rssBefore;

    expect(stored.bytes).toBe(chunkSize * chunkCount);
    expect(stored.sha256).toBe(expectedHash.digest("hex"));
    expect((await store.stat("big.bin"))?.bytes).toBe(chunkSize * chunkCount);
    // Readable.from buffers at most 16 chunks (1 MiB); buffering the whole body would be 50 MiB.
    expect(maxLead).toBeLessThanOrEqual(2 * 1024 * 1024);
    // Loose (garbage collection timing makes RSS swing by tens of MB): the body was never all
    // in memory at once.
    expect(rssGrowth).toBeLessThan(chunkSize * chunkCount);
  });
});

describe("fs media store: reads for serving", () => {
  it("reads in chunks of READ_CHUNK_BYTES, not 64 KiB: a 1 MiB range is 4 reads", async () => {
    const bytes = patternBytes(3 * 1024 * 1024);
    await store.put("serve.bin", chunked(bytes, [65536]), "video/mp4");
    const chunks: Buffer[] = [];
    for await (const chunk of store.read("serve.bin", { start: 1000, end: 1000 + 1024 * 1024 - 1 })) chunks.push(chunk as Buffer);

    expect(READ_CHUNK_BYTES).toBe(256 * 1024);
    expect(chunks.map((chunk) => chunk.length)).toEqual([READ_CHUNK_BYTES, READ_CHUNK_BYTES, READ_CHUNK_BYTES, READ_CHUNK_BYTES]);
    expect(Buffer.concat(chunks).equals(bytes.subarray(1000, 1000 + 1024 * 1024))).toBe(true);
  });
});

describe("fs media store: content types", () => {
  it("reads an object's sidecar once, not on every request", async () => {
    await store.put("clip.webm", chunked(patternBytes(1000)), "video/webm");
    expect((await store.stat("clip.webm"))?.contentType).toBe("video/webm");
    // Gone behind the store's back: the type it read for this very file still holds.
    await rm(path.join(dir, "media", ".meta", "clip.webm.json"));
    expect((await store.stat("clip.webm"))?.contentType).toBe("video/webm");
  });

  it("an .mp4 stored as video/mp4 (every generation's video) has no sidecar: its extension says the type", async () => {
    await store.put("generations/a.mp4", chunked(patternBytes(1000)), "video/mp4");
    expect(existsSync(path.join(dir, "media", ".meta", "generations", "a.mp4.json"))).toBe(false);
    expect((await store.stat("generations/a.mp4"))?.contentType).toBe("video/mp4");
    expect((await createFsMediaStore(path.join(dir, "media")).stat("generations/a.mp4"))?.contentType).toBe("video/mp4");
    expect(incomingFiles()).toEqual([]);
  });

  it("an .mp4 of another type keeps a sidecar, and a later video/mp4 put of the key removes it", async () => {
    await store.put("generations/b.mp4", chunked(patternBytes(1000)), "video/quicktime");
    const sidecar = path.join(dir, "media", ".meta", "generations", "b.mp4.json");
    expect(existsSync(sidecar)).toBe(true);
    expect((await store.stat("generations/b.mp4"))?.contentType).toBe("video/quicktime");

    await store.put("generations/b.mp4", chunked(patternBytes(1000)), "video/mp4"); // same size
    expect(existsSync(sidecar)).toBe(false);
    expect((await store.stat("generations/b.mp4"))?.contentType).toBe("video/mp4");
    expect((await createFsMediaStore(path.join(dir, "media")).stat("generations/b.mp4"))?.contentType).toBe("video/mp4");
  });

  it("a key with no extension it implies a type by keeps its type in a sidecar", async () => {
    await store.put("blob", chunked(patternBytes(10)), "video/mp4");
    expect(existsSync(path.join(dir, "media", ".meta", "blob.json"))).toBe(true);
    expect((await createFsMediaStore(path.join(dir, "media")).stat("blob"))?.contentType).toBe("video/mp4");
  });

  it("a replaced object has its new type at once, in this store and in another on the same directory", async () => {
    const other = createFsMediaStore(path.join(dir, "media"));
    await store.put("clip.bin", chunked(patternBytes(1000)), "video/mp4");
    expect((await store.stat("clip.bin"))?.contentType).toBe("video/mp4");
    expect((await other.stat("clip.bin"))?.contentType).toBe("video/mp4");

    await store.put("clip.bin", chunked(patternBytes(1000)), "video/webm"); // same size
    expect((await store.stat("clip.bin"))?.contentType).toBe("video/webm");
    expect((await other.stat("clip.bin"))?.contentType).toBe("video/webm");

    await other.remove("clip.bin");
    expect(await store.stat("clip.bin")).toBeNull();
  });
});

describe("fs media store: chunks in flight", () => {
  it("holds at most 4 of the body's chunks at once: a source reusing 4 buffers is stored intact", async () => {
    // The source overwrites each buffer 4 chunks later. A store still holding a chunk then
    // (queued, or kept to join into a larger write) would store overwritten bytes.
    const ring = Array.from({ length: 4 }, () => Buffer.alloc(64 * 1024));
    const produced = createHash("sha256");
    async function* generate() {
      for (let i = 0; i < 200; i++) {
        const chunk = (ring[i % ring.length] as Buffer).fill(i % 251);
        chunk.writeUInt32BE(i, 0);
        produced.update(chunk);
        yield chunk;
      }
    }
    const stored = await store.put("ring.bin", Readable.from(generate()), "application/octet-stream");
    const expected = produced.digest("hex");

    expect(stored.sha256).toBe(expected);
    expect(sha256Of(await readAll(store.read("ring.bin")))).toBe(expected);
  });
});

describe("cleanIncoming", () => {
  it("removes only temp files older than the threshold", async () => {
    const incoming = path.join(dir, "media", ".incoming");
    await writeFile(path.join(incoming, "crashed.part"), "half a video");
    await writeFile(path.join(incoming, "crashed.json"), "{}");
    await writeFile(path.join(incoming, "in-progress.part"), "still being written");
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    await utimes(path.join(incoming, "crashed.part"), twoHoursAgo, twoHoursAgo);
    await utimes(path.join(incoming, "crashed.json"), twoHoursAgo, twoHoursAgo);

    const removed = await cleanIncoming(path.join(dir, "media"), 60 * 60 * 1000);

    expect(removed.sort()).toEqual(["crashed.json", "crashed.part"]);
    expect(await readdir(incoming)).toEqual(["in-progress.part"]);
  });

  it("defaults to STALE_INCOMING_AFTER_MS", async () => {
    const incoming = path.join(dir, "media", ".incoming");
    const justStale = new Date(Date.now() - STALE_INCOMING_AFTER_MS - 1000);
    await writeFile(path.join(incoming, "old.part"), "x");
    await utimes(path.join(incoming, "old.part"), justStale, justStale);
    await writeFile(path.join(incoming, "fresh.part"), "y");

    expect(await cleanIncoming(path.join(dir, "media"))).toEqual(["old.part"]);
  });

  it("does nothing when the store was never created", async () => {
    await mkdir(path.join(dir, "elsewhere"));
    expect(await cleanIncoming(path.join(dir, "elsewhere"), 0)).toEqual([]);
  });
});
