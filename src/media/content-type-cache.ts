import type { Stats } from "node:fs";

/**
 * The content types the directory store read from sidecars, so serving a video reads its
 * sidecar once rather than on every Range request (an open, a stat, a read and a close each:
 * more thread-pool work than the 1 MiB of video a request sends).
 *
 * An entry holds only for the data file it was read beside (inode, size, mtime): `put` renames
 * a new data file into place after publishing its sidecar, so a replaced object always misses
 * and reads the new sidecar, in this process or another sharing the directory.
 */
export class ContentTypeCache {
  private readonly entries = new Map<string, { version: string; contentType: string }>();

  constructor(private readonly capacity = 10_000) {}

  get(key: string, data: Stats): string | undefined {
    const entry = this.entries.get(key);
    return entry?.version === versionOf(data) ? entry.contentType : undefined;
  }

  set(key: string, data: Stats, contentType: string): void {
    this.entries.delete(key); // re-inserted last: the oldest entry goes first when full
    this.entries.set(key, { version: versionOf(data), contentType });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}

function versionOf(data: Stats): string {
  return `${data.ino}:${data.size}:${data.mtimeMs}`;
}
