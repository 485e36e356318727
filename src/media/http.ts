import { Readable } from "node:stream";

import { chooseByteRange, type ByteRangeChoice } from "./byte-range";
import { ifNoneMatchHits, ifRangeAllowsRange, strongEntityTag } from "./entity-tag";
import { isValidMediaKey } from "./media-key";
import type { MediaStore } from "./store";

export interface ServeMediaOptions {
  /** Hex sha256 of the object, when the caller has it (e.g. from the job record): the best ETag. */
  sha256?: string;
  /** Whose Response class to build with. Yoga hands plugins its own as `fetchAPI`. */
  fetchAPI?: { Response: typeof Response };
}

// Keys name immutable results (a new result gets a new key), so caches may keep them forever.
const IMMUTABLE = "public, max-age=31536000, immutable";

/**
 * Answers GET/HEAD for one stored object, with single-range and conditional request support.
 * The body is streamed from the store, never held in memory.
 */
export async function serveMedia(
  request: Request,
  store: MediaStore,
  key: string,
  options: ServeMediaOptions = {},
): Promise<Response> {
  const { Response } = options.fetchAPI ?? globalThis;

  if (request.method !== "GET" && request.method !== "HEAD") {
    return new Response(null, { status: 405, headers: { Allow: "GET, HEAD" } });
  }
  // An invalid key (e.g. traversal) names nothing we store: plain 404, nothing to learn from it.
  const object = isValidMediaKey(key) ? await store.stat(key) : null;
  if (!object) return new Response(null, { status: 404 });

  const etag = strongEntityTag(object, options.sha256);
  const sharedHeaders: Record<string, string> = {
    "Cache-Control": IMMUTABLE,
    "Accept-Ranges": "bytes",
    ...(etag ? { ETag: etag } : {}),
  };
  if (ifNoneMatchHits(request.headers.get("if-none-match"), etag)) {
    return new Response(null, { status: 304, headers: sharedHeaders });
  }

  const headers = { ...sharedHeaders, "Content-Type": object.contentType };
  const total = object.bytes;
  const range = chooseRange(request, total, etag);

  if (range.kind === "unsatisfiable") {
    return new Response(null, {
      status: 416,
      headers: { ...sharedHeaders, "Content-Range": `bytes */${total}` },
    });
  }
  if (range.kind === "partial") {
    const { start, end } = range;
    return new Response(streamBody(store.read(key, { start, end }), Response), {
      status: 206,
      headers: {
        ...headers,
        "Content-Length": String(end - start + 1),
        "Content-Range": `bytes ${start}-${end}/${total}`,
      },
    });
  }
  const body = request.method === "HEAD" ? null : streamBody(store.read(key), Response);
  return new Response(body, { status: 200, headers: { ...headers, "Content-Length": String(total) } });
}

// Range is defined for GET only (RFC 9110 §14.2), so HEAD describes the whole object.
function chooseRange(request: Request, total: number, etag: string | undefined): ByteRangeChoice {
  if (request.method !== "GET") return { kind: "whole" };
  if (!ifRangeAllowsRange(request.headers.get("if-range"), etag)) return { kind: "whole" };
  return chooseByteRange(request.headers.get("range"), total);
}

/**
 * The body as the Response class at hand takes it best. Yoga's (the @whatwg-node ponyfill)
 * takes a Node stream as it is, and its server adapter then pipes it straight into the socket:
 * no conversion to a web stream and back, which cut Range throughput to a few hundred MiB/s.
 * The platform's Response needs a web stream. Either way an early disconnect destroys the
 * stream and so closes the file (covered by a test, should an upgrade change that).
 */
function streamBody(source: Readable, ResponseClass: typeof Response): ReadableStream<Uint8Array> {
  if (ResponseClass !== globalThis.Response) return source as unknown as ReadableStream<Uint8Array>;
  return Readable.toWeb(source) as unknown as ReadableStream<Uint8Array>;
}
