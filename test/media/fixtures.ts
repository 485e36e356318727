import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";

/** A fresh directory per test file or test; `remove` deletes it and everything in it. */
export async function makeTempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), "media-test-"));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Deterministic, non-repeating-looking bytes, so offsets and hashes catch real mistakes. */
export function patternBytes(length: number, seed = 0): Buffer {
  const bytes = Buffer.alloc(length);
  let state = (seed * 2654435761 + 1) >>> 0;
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
