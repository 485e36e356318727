import { createHash } from "node:crypto";
import { open, type FileHandle } from "node:fs/promises";
import type { Readable } from "node:stream";
import type { WriteSession } from "./fs-writer-thread";

/** File writes for the filesystem store: each one reaches the disk before it returns. */

export interface WrittenStream {
  sha256: string;
  bytes: number;
}

/**
 * Copies `body` into a file being written on the writer's thread (fs-writer-thread.ts), hashing
 * and counting on the way. Pulls the next chunk once the thread has room for it, so memory stays
 * bounded; errors from either side reject (the caller aborts the session).
 */
export async function copyInto(session: WriteSession, body: Readable): Promise<WrittenStream> {
  const hash = createHash("sha256");
  let bytes = 0;
  // Leaving the loop early (a write error) destroys `body`; a body error throws out of it.
  for await (const chunk of body as AsyncIterable<Buffer | string>) {
    const data = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    hash.update(data);
    bytes += data.length;
    await session.write(data);
  }
  return { sha256: hash.digest("hex"), bytes };
}

/** Small files (metadata): write and fsync, so a later rename publishes complete content. */
export async function writeNewFileDurably(file: string, content: string): Promise<void> {
  const handle = await open(file, "wx");
  try {
    await writeFully(handle, Buffer.from(content));
    await handle.sync();
  } finally {
    await handle.close();
  }
}

// write(2) may write less than asked (e.g. close to a full disk); keep going until done or an error.
async function writeFully(handle: FileHandle, data: Buffer): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await handle.write(data, offset, data.length - offset);
    offset += bytesWritten;
  }
}
