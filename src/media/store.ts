import type { Readable } from "node:stream";

export interface StoredObject {
  key: string;
  sha256: string;
  bytes: number;
  contentType: string;
}

export interface ObjectStat {
  bytes: number;
  contentType: string;
  /** When the object was last written, if the store knows: the fallback validator for ETags. */
  modifiedAt?: Date;
}

/**
 * Where the gateway keeps result videos. Writes are atomic: an object is visible under its
 * key only once fully written, so a crash never leaves a half file behind a record.
 */
export interface MediaStore {
  /** Streams `body` in, hashing on the way; never buffers the whole object. */
  put(key: string, body: Readable, contentType: string): Promise<StoredObject>;
  stat(key: string): Promise<ObjectStat | null>;
  /** Inclusive byte range, as HTTP Range speaks it. */
  read(key: string, range?: { start: number; end: number }): Readable;
  /** Deletes the object if it exists (e.g. a copy finished after its generation was canceled). */
  remove(key: string): Promise<void>;
}
