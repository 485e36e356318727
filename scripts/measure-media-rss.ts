/**
 * RSS growth while one media store stores a 50 MiB body: the figure issue 8 sets a target for
 * (< 16 MiB). Run one store per process, with GC exposed so the baseline is honest:
 *
 *   node --expose-gc --import tsx scripts/measure-media-rss.ts fs [ring|fresh]
 *   node --expose-gc --import tsx scripts/measure-media-rss.ts s3 [ring|fresh]   # starts s3rver in a child process
 *   node --expose-gc --import tsx scripts/measure-media-rss.ts null fresh         # the source alone, into a sink
 *   ... fs live                                                                    # see below
 *
 * The body is made on demand in 64 KiB chunks (as a download arrives). Two sources:
 * - `ring` (default): the chunks are views of a fixed ring of RING_CHUNKS buffers, each
 *   rewritten with its own content when its turn comes, so the source itself makes no garbage
 *   and the growth is the store's alone. A store that kept a chunk (by reference) after the
 *   source moved RING_CHUNKS ahead would have its bytes overwritten: the object is read back
 *   and its sha256 compared with what was produced, so such a store fails here instead of
 *   looking small. A store that copies chunks shows in RSS.
 * - `fresh`: a new 64 KiB Buffer per chunk, as a socket hands them out. Most of the growth is
 *   then the source's own garbage awaiting collection: `null fresh` (the same source into a
 *   sink that drops every chunk) measures that alone, in the same way.
 * RSS depends on when the collector runs (noisy on a loaded machine), so `live` also forces a
 * collection every 1 MiB produced and reports the peak of what is really still referenced
 * (V8 heap + Buffer memory): the store's own retention.
 *
 * Prints one JSON line: the peak and end RSS growth over the baseline.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { CreateBucketCommand } from "@aws-sdk/client-s3";

import { createFsMediaStore } from "../src/media/fs-store";
import { createS3Client } from "../src/media/s3-open";
import { MIN_PART_SIZE_BYTES, createS3MediaStore } from "../src/media/s3-store";
import type { MediaStore } from "../src/media/store";

const MiB = 1024 * 1024;
const TOTAL = 50 * MiB;
const CHUNK = 64 * 1024;
/** Chunks the ring source cycles through: a store may hold at most this many at once (fs). */
const RING_CHUNKS = 8;
const kind = process.argv[2];
const live = process.argv.includes("live");
const source = process.argv.includes("fresh") ? "fresh" : "ring";
if (kind !== "fs" && kind !== "s3" && kind !== "null") throw new Error("usage: measure-media-rss.ts fs|s3|null [ring|fresh] [live]");
if (kind === "null" && source !== "fresh") throw new Error("the null sink measures the fresh source alone: null fresh");
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");

const dir = await mkdtemp(join(tmpdir(), "media-rss-"));
let server: ChildProcess | undefined;
let store: MediaStore;
let close = () => {};
// S3 parts are at least 5 MiB: lib-storage holds a part's chunks (by reference) until it cuts the part.
let ringChunks = RING_CHUNKS;
if (kind === "null") {
  store = nullStore();
} else if (kind === "fs") {
  store = createFsMediaStore(join(dir, "media"));
} else {
  // s3rver in its own process, so its memory is not counted.
  server = spawn(process.execPath, [
    "-e",
    `const S3rver = require("s3rver");
     new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: ${JSON.stringify(dir)} })
       .run().then((address) => console.log(address.port));`,
  ], { stdio: ["ignore", "pipe", "inherit"] });
  const [line] = (await once(server.stdout!, "data")) as [Buffer];
  const settings = {
    kind: "s3" as const, bucket: "rss", prefix: "", endpoint: `http://127.0.0.1:${Number(line.toString())}`,
    region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" }, maxSockets: 16,
  };
  const client = createS3Client(settings);
  await client.send(new CreateBucketCommand({ Bucket: "rss" }));
  store = createS3MediaStore({ client, bucket: "rss" });
  ringChunks = Math.ceil((2 * MIN_PART_SIZE_BYTES) / CHUNK) + RING_CHUNKS;
  close = () => client.destroy();
}

const ring = source === "ring" ? Array.from({ length: ringChunks }, () => Buffer.alloc(CHUNK)) : [];

/** `bytes` in 64 KiB chunks, each with its own content; `produced` hashes them as they are made. */
function body(bytes: number, onChunk: () => void, produced = createHash("sha256")): Readable {
  return Readable.from((async function* () {
    for (let sent = 0, i = 0; sent < bytes; sent += CHUNK, i++) {
      onChunk();
      const chunk = source === "ring" ? (ring[i % ring.length] as Buffer).fill(i % 251) : Buffer.alloc(CHUNK, i % 251);
      chunk.writeUInt32BE(i, 0);
      produced.update(chunk);
      yield chunk;
    }
  })());
}

/** Drops every chunk: what the source costs with no store at all. */
function nullStore(): MediaStore {
  const unused = () => {
    throw new Error("the null store only takes puts");
  };
  return {
    async put(key, input, contentType) {
      let bytes = 0;
      await pipeline(input, new Writable({ write: (chunk: Buffer, _encoding, done) => ((bytes += chunk.length), done()) }));
      return { key, sha256: "", bytes, contentType };
    },
    stat: unused,
    read: unused,
    remove: unused,
  };
}

// Warm-up: load every module and open connections, so the baseline already holds them.
await store.put("warm-up.bin", body(12 * MiB, () => {}), "application/octet-stream");
for (let i = 0; i < 3; i++) {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 100));
}
const referenced = () => {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
};
const baseline = process.memoryUsage.rss();
const liveBaseline = referenced();
let peak = baseline;
let livePeak = liveBaseline;
let chunks = 0;
const sample = () => {
  peak = Math.max(peak, process.memoryUsage.rss());
};
const onChunk = () => {
  sample();
  if (live && ++chunks % 16 === 0) {
    gc();
    livePeak = Math.max(livePeak, referenced());
  }
};
const timer = setInterval(sample, 5);
const started = Date.now();
const produced = createHash("sha256");
const stored = await store.put("fifty.bin", body(TOTAL, onChunk, produced), "application/octet-stream");
clearInterval(timer);
sample();
const end = process.memoryUsage.rss();
const expected = produced.digest("hex");
if (kind !== "null") {
  // What the store kept is what was produced: no chunk was held past the ring (or copied wrong).
  const readBack = createHash("sha256");
  for await (const chunk of store.read("fifty.bin")) readBack.update(chunk as Buffer);
  const actual = readBack.digest("hex");
  if (stored.sha256 !== expected || actual !== expected) {
    throw new Error(`${kind} store: the stored object differs from the body (sha256 ${actual}, reported ${stored.sha256}, produced ${expected})` +
      (source === "ring" ? `; it held chunks after the source had moved ${ring.length} chunks on` : ""));
  }
}
const mib = (bytes: number) => +(bytes / MiB).toFixed(1);
console.log(JSON.stringify({
  store: kind,
  source,
  ...(source === "ring" ? { ringChunks: ring.length } : {}),
  bytes: stored.bytes,
  ms: Date.now() - started,
  baselineMiB: mib(baseline),
  ...(live
    ? { liveGrowthMiB: mib(livePeak - liveBaseline) }
    : { peakGrowthMiB: mib(peak - baseline), endGrowthMiB: mib(end - baseline) }),
}));
close();
server?.kill();
await rm(dir, { recursive: true, force: true });
