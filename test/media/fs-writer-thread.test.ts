// The filesystem store's writes on a thread of their own (src/media/fs-writer-thread.ts): what
// the store's own tests cannot reach. A publication that fails leaves nothing visible, the
// pieces of a chunk larger than the pool arrive in order, and a thread that ends rejects the
// puts it held instead of leaving them waiting.
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, expect, it } from "vitest";
import { createFsMediaStore } from "../../src/media/fs-store";
import { FsWriterThread, PIECE_BYTES, POOL_BUFFERS } from "../../src/media/fs-writer-thread";
import type { MediaStore } from "../../src/media/store";

let dir: string;
let store: MediaStore;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "fs-writer-"));
  store = createFsMediaStore(path.join(dir, "media"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const incoming = () => readdirSync(path.join(dir, "media", ".incoming"));

it("stores one chunk larger than the whole pool intact, in order", async () => {
  const big = Buffer.alloc(PIECE_BYTES * POOL_BUFFERS * 3 + 123);
  for (let i = 0; i < big.length; i += 4) big.writeUInt32BE((i / 4) >>> 0, i <= big.length - 4 ? i : big.length - 4);
  const stored = await store.put("generations/big.mp4", Readable.from([big]), "video/mp4");
  expect(stored.sha256).toBe(createHash("sha256").update(big).digest("hex"));
  expect(readFileSync(path.join(dir, "media", "generations", "big.mp4")).equals(big)).toBe(true);
  expect(incoming()).toEqual([]);
});

it("a publication that fails (the key is a directory) rejects, leaves no temp file, and the next put works", async () => {
  mkdirSync(path.join(dir, "media", "generations", "taken.mp4", "inside"), { recursive: true });
  await expect(store.put("generations/taken.mp4", Readable.from([Buffer.from("video")]), "video/mp4")).rejects.toMatchObject({
    code: expect.stringMatching(/^(EISDIR|ENOTEMPTY|EEXIST)$/),
  });
  expect(incoming()).toEqual([]);
  expect(readdirSync(path.join(dir, "media", "generations", "taken.mp4"))).toEqual(["inside"]);
  const stored = await store.put("generations/free.mp4", Readable.from([Buffer.from("video")]), "video/mp4");
  expect(stored.bytes).toBe(5);
});

it("puts that come together are published together, each with its own bytes", async () => {
  const bodies = Array.from({ length: 30 }, (_, i) => Buffer.alloc(40_000 + i, i));
  const stored = await Promise.all(bodies.map((body, i) => store.put(`generations/${i}.mp4`, Readable.from([body]), "video/mp4")));
  for (const [i, body] of bodies.entries()) {
    expect(stored[i]?.bytes).toBe(body.length);
    expect(readFileSync(path.join(dir, "media", "generations", `${i}.mp4`)).equals(body)).toBe(true);
  }
  expect(incoming()).toEqual([]);
});

it("a thread that ends rejects the files it held, and a new one takes the next", async () => {
  const writer = new FsWriterThread();
  const file = path.join(dir, "held.part");
  const held = writer.begin(file);
  await held.write(Buffer.from("partial"));
  await writer.close();
  await expect(held.publish({ meta: path.join(dir, "held.json"), data: path.join(dir, "held.bin") })).rejects.toThrow(/thread/);

  const next = writer.begin(path.join(dir, "next.part"));
  await next.write(Buffer.from("whole"));
  await next.publish({ meta: path.join(dir, "next.json"), data: path.join(dir, "next.bin") });
  expect(readFileSync(path.join(dir, "next.bin"), "utf8")).toBe("whole");
  await writer.close();
});

it("a file that cannot be opened fails its writes and its publication, with the system's error", async () => {
  const writer = new FsWriterThread();
  writeFileSync(path.join(dir, "exists.part"), "x");
  const session = writer.begin(path.join(dir, "exists.part"));
  await expect(
    (async () => {
      // The open's failure reaches this side after the first write at the latest.
      for (let i = 0; i < 50; i++) await session.write(Buffer.alloc(PIECE_BYTES));
      await session.publish({ meta: path.join(dir, "e.json"), data: path.join(dir, "e.bin") });
    })(),
  ).rejects.toMatchObject({ code: "EEXIST" });
  await session.abort();
  expect(readFileSync(path.join(dir, "exists.part"), "utf8")).toBe("x");
  await writer.close();
});
