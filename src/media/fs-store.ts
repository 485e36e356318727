import { randomUUID } from "node:crypto";
import { createReadStream, existsSync, mkdirSync } from "node:fs";
import { mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";

import { assertInclusiveRange } from "./byte-range";
import { ContentTypeCache } from "./content-type-cache";
import { copyInto, writeNewFileDurably } from "./fs-durable";
import { FsWriterThread, type WriteSession } from "./fs-writer-thread";
import { assertValidMediaKey } from "./media-key";
import type { MediaStore, ObjectStat, StoredObject } from "./store";

/**
 * Layout under the root directory:
 *   <key>                 the object's bytes
 *   .meta/<key>.json      sidecar: { "contentType": ... }
 *   .incoming/<uuid>.*    temp files being written (same filesystem, so rename is atomic)
 * Keys cannot start a segment with a dot (see media-key.ts), so they never collide with the
 * two dot-directories, and sidecars live in their own tree so a key ending in `.json` cannot
 * collide with another key's sidecar.
 *
 * The content type is kept in a sidecar rather than guessed from the extension because `put`
 * is told the type (upstream's Content-Type) and keys need not carry an extension. The sidecar
 * is published before the data: the data rename is the commit point, so a visible object
 * always has its sidecar. A crash in between leaves an orphan sidecar with no data, which is
 * invisible (stat looks at the data file) and overwritten by the next put of that key.
 *
 * Except when the key's extension implies the type (IMPLIED_TYPES: a generation's
 * `generations/<id>.mp4` as video/mp4, nearly every put): then there is no sidecar, and stat
 * reads the type from the extension. That put makes one file and syncs one directory, where a
 * sidecar costs a second file, a rename and an fsync of its directory before the data's rename
 * (each fsync 20-150 ms when 50 videos finish together, SSE bench). A sidecar an earlier put of
 * the key left (another type) is removed, and that removal is made durable before the data's
 * rename, so the new object is never read with the old type.
 */
const INCOMING_DIR = ".incoming";
const META_DIR = ".meta";
const UNKNOWN_CONTENT_TYPE = "application/octet-stream";
/** Types a key's extension implies: such objects need no sidecar. */
const IMPLIED_TYPES: Readonly<Record<string, string>> = { ".mp4": "video/mp4" };

function impliedType(key: string): string | undefined {
  return IMPLIED_TYPES[path.extname(key).toLowerCase()];
}
/**
 * Reads for serving go in chunks this large, not the 64 KiB default: each chunk is a thread-pool
 * read and a socket write, so a 1 MiB range costs 4 of each instead of 16 (about 25 % less CPU
 * per byte served, bench/RESULTS.md). Each response being sent holds about one such buffer.
 */
export const READ_CHUNK_BYTES = 256 * 1024;

export function createFsMediaStore(dir: string): MediaStore {
  const root = path.resolve(dir);
  mkdirSync(path.join(root, INCOMING_DIR), { recursive: true });
  mkdirSync(path.join(root, META_DIR), { recursive: true });

  const dataPath = (key: string): string => {
    assertValidMediaKey(key);
    return path.join(root, key);
  };
  const metaPath = (key: string): string => path.join(root, META_DIR, `${key}.json`);
  const incomingPath = (suffix: string): string =>
    path.join(root, INCOMING_DIR, `${randomUUID()}${suffix}`);
  const contentTypes = new ContentTypeCache();
  const writer = FsWriterThread.shared();
  /** Directories known to exist: made once, not on every put. */
  const made = new Set<string>();
  const ensureDirectory = async (dir: string): Promise<void> => {
    // A directory removed behind the store's back (the next put's rename fails) is made again.
    if (made.has(dir) && existsSync(dir)) return;
    await mkdir(dir, { recursive: true });
    made.add(dir);
  };

  return {
    async put(key: string, body: Readable, contentType: string): Promise<StoredObject> {
      const tempData = incomingPath(".part");
      const tempMeta = incomingPath(".json");
      const sidecar = impliedType(key) !== contentType;
      let session: WriteSession | undefined;
      try {
        const finalData = dataPath(key);
        const finalMeta = metaPath(key);
        // The data on the writer's thread, the sidecar's temp file and the directories at once
        // (neither temp file is visible until its rename); all settle before a failure is thrown,
        // so the cleanup below finds every file that was made.
        session = writer.begin(tempData);
        const [data, ...rest] = await Promise.allSettled([
          copyInto(session, body),
          sidecar ? writeNewFileDurably(tempMeta, JSON.stringify({ contentType })) : undefined,
          sidecar ? ensureDirectory(path.dirname(finalMeta)) : undefined,
          ensureDirectory(path.dirname(finalData)),
        ]);
        for (const outcome of [data, ...rest]) if (outcome.status === "rejected") throw outcome.reason;
        const { sha256, bytes } = (data as PromiseFulfilledResult<{ sha256: string; bytes: number }>).value;
        // The sidecar published (or an old one gone) for good, then the data renamed: the commit
        // point, the object visible whole and never read with another type (fs-writer-thread.ts).
        await session.publish({ ...(sidecar ? { sidecarFrom: tempMeta } : {}), meta: finalMeta, data: finalData });
        return { key, sha256, bytes, contentType };
      } catch (error) {
        // put owns the body: whatever failed, don't leave the caller's source (e.g. an upstream socket) open.
        body.destroy();
        await session?.abort();
        await Promise.all([rm(tempData, { force: true }), rm(tempMeta, { force: true })]);
        throw error;
      }
    },

    async stat(key: string): Promise<ObjectStat | null> {
      const info = await stat(dataPath(key)).catch(nullIfMissing);
      if (!info?.isFile()) return null;
      let contentType = contentTypes.get(key, info);
      if (contentType === undefined) {
        contentType = await readContentType(key, metaPath(key));
        contentTypes.set(key, info, contentType);
      }
      return { bytes: info.size, contentType, modifiedAt: info.mtime };
    },

    read(key: string, range?: { start: number; end: number }): Readable {
      const file = dataPath(key);
      if (!range) return createReadStream(file, { highWaterMark: READ_CHUNK_BYTES });
      assertInclusiveRange(range);
      // Both inclusive, as in HTTP.
      return createReadStream(file, { start: range.start, end: range.end, highWaterMark: READ_CHUNK_BYTES });
    },

    async remove(key: string): Promise<void> {
      // Data first: once it is gone the object is invisible; the sidecar is then an orphan at worst.
      await rm(dataPath(key), { force: true });
      contentTypes.delete(key);
      await rm(metaPath(key), { force: true });
    },
  };
}

/** An active put rewrites its temp file every chunk; one untouched this long was orphaned by a crash. */
export const STALE_INCOMING_AFTER_MS = 15 * 60 * 1000;

/**
 * Removes temp files a crash left in `<dir>/.incoming`. Call at startup. Only files not
 * modified for `olderThanMs` go, so a put still running in another process sharing the
 * directory survives. Returns the removed file names, for logging.
 */
export async function cleanIncoming(
  dir: string,
  olderThanMs: number = STALE_INCOMING_AFTER_MS,
): Promise<string[]> {
  const incoming = path.join(path.resolve(dir), INCOMING_DIR);
  const names = await readdir(incoming).catch(nullIfMissing);
  if (!names) return [];
  const cutoff = Date.now() - olderThanMs;
  const removed: string[] = [];
  for (const name of names) {
    const file = path.join(incoming, name);
    const info = await stat(file).catch(nullIfMissing); // a put may finish and rename it meanwhile
    if (info?.isFile() && info.mtimeMs < cutoff) {
      await rm(file, { force: true });
      removed.push(name);
    }
  }
  return removed;
}

async function readContentType(key: string, sidecar: string): Promise<string> {
  const text = await readFile(sidecar, "utf8").catch(nullIfMissing);
  if (text === null) return impliedType(key) ?? UNKNOWN_CONTENT_TYPE;
  const parsed: unknown = JSON.parse(text);
  const contentType = (parsed as { contentType?: unknown } | null)?.contentType;
  return typeof contentType === "string" ? contentType : UNKNOWN_CONTENT_TYPE;
}

// ENOTDIR: a key like "a.mp4/x" where "a.mp4" is a file is just as missing as ENOENT.
function nullIfMissing(error: NodeJS.ErrnoException): null {
  if (error.code === "ENOENT" || error.code === "ENOTDIR") return null;
  throw error;
}
