import { createHash } from "node:crypto";
import { open, type FileHandle } from "node:fs/promises";
import type { Readable } from "node:stream";

/** Low-level file writes for the filesystem store: each one reaches the disk before it returns. */

export interface WrittenStream {
  sha256: string;
  bytes: number;
}

/**
 * Copies `body` into a new file (which must not exist), hashing and counting on the way.
 * Reads one chunk at a time and awaits its write before pulling the next, so memory stays
 * at about one chunk plus the source's own buffer. Errors from either side reject; the
 * caller removes the partial file.
 */
export async function writeStreamToNewFile(body: Readable, file: string): Promise<WrittenStream> {
  const hash = createHash("sha256");
  let bytes = 0;
  const handle = await open(file, "wx");
  try {
    // Leaving the loop early (write error) destroys `body`; a body error throws out of it.
    for await (const chunk of body as AsyncIterable<Buffer | string>) {
      const data = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      hash.update(data);
      bytes += data.length;
      await writeFully(handle, data);
    }
    await handle.sync();
  } finally {
    await handle.close();
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

/** Makes a rename into `dir` survive a crash; on Linux a rename is durable only once its directory is synced. */
export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Directory fsyncs shared by the renames made before they began (a group commit). A rename is
 * durable once an fsync of its directory that began after it has ended; while one runs, every
 * caller that asks meanwhile waits for the next one, which they share. The SSE bench's 50
 * videos finishing together made 100 fsyncs of the same two directories, each waiting for the
 * filesystem journal's commit behind the others (one put took 0.3-0.7 s, growing ~3 ms with
 * each video before it); now a burst costs two or three per directory.
 */
interface DirectorySync {
  running?: Promise<void>;
  next?: Promise<void>;
}

export class DirectorySyncs {
  private readonly dirs = new Map<string, DirectorySync>();

  constructor(private readonly fsync: (dir: string) => Promise<void> = fsyncDirectory) {}

  sync(dir: string): Promise<void> {
    const entry = this.dirs.get(dir) ?? {};
    this.dirs.set(dir, entry);
    const { running } = entry;
    if (!running) return this.start(dir, entry);
    // The one running may have begun before the caller's rename: the caller needs the next.
    entry.next ??= running
      .catch(() => undefined)
      .then(() => {
        entry.next = undefined;
        return this.start(dir, entry);
      });
    return entry.next;
  }

  private start(dir: string, entry: DirectorySync): Promise<void> {
    const running: Promise<void> = this.fsync(dir).finally(() => {
      if (entry.running === running) entry.running = undefined;
      if (!entry.running && !entry.next) this.dirs.delete(dir);
    });
    entry.running = running;
    return running;
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
