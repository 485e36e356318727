import type { ObjectStat } from "./store";

/**
 * Strong validators for media (RFC 9110 §8.8.3, §13.1). Objects are written once and
 * replaced whole, so a content hash, or failing that size plus write time, identifies the
 * exact bytes well enough to be a strong tag, which Range/If-Range need.
 */

/** `"<sha256>"` when the caller knows the hash, else `"<size hex>-<mtime ms hex>"`, else none. */
export function strongEntityTag(object: ObjectStat, sha256?: string): string | undefined {
  if (sha256) return `"${sha256.toLowerCase()}"`;
  if (object.modifiedAt) {
    return `"${object.bytes.toString(16)}-${object.modifiedAt.getTime().toString(16)}"`;
  }
  return undefined;
}

/** If-None-Match uses weak comparison: `W/"x"` matches `"x"`; `*` matches any existing object. */
export function ifNoneMatchHits(header: string | null, etag: string | undefined): boolean {
  if (header === null) return false;
  if (header.trim() === "*") return true;
  if (etag === undefined) return false;
  return header.split(",").some((candidate) => withoutWeakPrefix(candidate.trim()) === etag);
}

/**
 * If-Range: honour Range only if the client's copy is still current. Strong comparison, so a
 * weak tag never matches; an HTTP-date form never matches either because we send no
 * Last-Modified. A mismatch means "send the whole thing", never an error.
 */
export function ifRangeAllowsRange(header: string | null, etag: string | undefined): boolean {
  if (header === null) return true;
  return etag !== undefined && header.trim() === etag;
}

function withoutWeakPrefix(tag: string): string {
  return tag.startsWith("W/") ? tag.slice(2) : tag;
}
