/**
 * RSS growth while one media store stores a 50 MiB body: the figure issue 8 sets a target for
 * (< 16 MiB). Run one store per process, with GC exposed so the baseline is honest:
 *
 *   node --expose-gc --import tsx scripts/measure-media-rss.ts fs
 *   node --expose-gc --import tsx scripts/measure-media-rss.ts s3     # starts s3rver in a child process
 *   ... s3 live                                                         # see below
 *
 * The body is made on demand in 64 KiB chunks (as a download arrives), so any growth is the
 * store's own buffering plus garbage not yet collected. Prints one JSON line: the peak and end
 * RSS growth over the baseline. RSS depends on when the collector runs (noisy on a loaded
 * machine), so `live` also forces a collection every 1 MiB produced and reports the peak of
 * what is really still referenced (V8 heap + Buffer memory): the store's own retention.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { CreateBucketCommand } from "@aws-sdk/client-s3";

import { createFsMediaStore } from "../src/media/fs-store";
import { createS3Client } from "../src/media/s3-open";
import { createS3MediaStore } from "../src/media/s3-store";
import type { MediaStore } from "../src/media/store";

const MiB = 1024 * 1024;
const TOTAL = 50 * MiB;
const CHUNK = 64 * 1024;
const kind = process.argv[2];
const live = process.argv[3] === "live";
if (kind !== "fs" && kind !== "s3") throw new Error("usage: measure-media-rss.ts fs|s3");
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");

const dir = await mkdtemp(join(tmpdir(), "media-rss-"));
let server: ChildProcess | undefined;
let store: MediaStore;
let close = () => {};
if (kind === "fs") {
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
  close = () => client.destroy();
}

function body(bytes: number, onChunk: () => void): Readable {
  return Readable.from((async function* () {
    for (let sent = 0, i = 0; sent < bytes; sent += CHUNK, i++) {
      onChunk();
      const chunk = Buffer.alloc(CHUNK, i % 251);
      chunk.writeUInt32BE(i, 0);
      yield chunk;
    }
  })());
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
const stored = await store.put("fifty.bin", body(TOTAL, onChunk), "application/octet-stream");
clearInterval(timer);
sample();
const end = process.memoryUsage.rss();
const mib = (bytes: number) => +(bytes / MiB).toFixed(1);
console.log(JSON.stringify({
  store: kind,
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
