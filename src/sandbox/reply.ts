import type { ServerResponse } from "node:http";
import { Readable } from "node:stream";
import type { DeliveryFault } from "./faults";

/** An answer the handlers build; `deliver` writes it (or spoils it, when a fault says so). */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export function jsonReply(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return {
    status,
    headers: { "content-type": "application/json", ...headers },
    body: Buffer.from(JSON.stringify(body), "utf8"),
  };
}

/** Segmind's error envelope: `{"error": "<human message>"}`. */
export function errorReply(status: number, message: string, headers: Record<string, string> = {}): Reply {
  return jsonReply(status, { error: message }, headers);
}

/** Segmind answers a wrong verb with an HTML page, not JSON. */
export function methodNotAllowedReply(): Reply {
  return {
    status: 405,
    headers: { "content-type": "text/html; charset=utf-8" },
    body: Buffer.from("<html><head><title>405 Method Not Allowed</title></head><body><h1>Method Not Allowed</h1></body></html>"),
  };
}

export function bytesReply(status: number, contentType: string, body: Buffer, headers: Record<string, string> = {}): Reply {
  return { status, headers: { "content-type": contentType, ...headers }, body };
}

/** What a "malformed" fault sends: declared JSON that does not parse. */
const MALFORMED_BODY = Buffer.from('{"status": "COMPLETED", "output": <html>upstream glitch</html>', "utf8");

/** Chunk size for streaming bodies out, so large videos are not written in one piece. */
const STREAM_CHUNK_BYTES = 16 * 1024;

/**
 * Writes the reply, or spoils it as the fault says. The handler has already run, so a job it
 * accepted stays accepted and billed whatever reaches the client.
 */
export function deliver(res: ServerResponse, reply: Reply, fault?: DeliveryFault): void {
  if (fault === "drop-after-accept") {
    res.socket?.destroy();
    return;
  }
  if (fault === "malformed") {
    res.writeHead(200, { "content-type": "application/json", "content-length": MALFORMED_BODY.length });
    res.end(MALFORMED_BODY);
    return;
  }

  const { body } = reply;
  if (fault === "truncate") {
    // A 200 promising the full Content-Length, half the bytes, then the connection dies.
    res.writeHead(200, { ...reply.headers, "content-length": body.length });
    res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.destroy());
    return;
  }
  if (fault === "stall") {
    // Half the bytes, then silence on an open connection (close() ends it).
    res.writeHead(200, { ...reply.headers, "content-length": body.length });
    res.write(body.subarray(0, Math.floor(body.length / 2)));
    return;
  }
  res.writeHead(reply.status, { ...reply.headers, "content-length": body.length });
  if (typeof fault === "object") {
    void trickle(res, body, fault.trickle);
    return;
  }
  if (body.length <= STREAM_CHUNK_BYTES) {
    res.end(body);
    return;
  }
  Readable.from(slices(body), { objectMode: false }).pipe(res);
}

function* slices(body: Buffer): Generator<Buffer> {
  for (let offset = 0; offset < body.length; offset += STREAM_CHUNK_BYTES) {
    yield body.subarray(offset, offset + STREAM_CHUNK_BYTES);
  }
}

/** Sends the body a chunk at a time with a pause between chunks; stops if the client goes. */
async function trickle(res: ServerResponse, body: Buffer, pace: { chunkBytes: number; intervalMs: number }): Promise<void> {
  for (let offset = 0; offset < body.length; offset += pace.chunkBytes) {
    if (res.destroyed) return;
    res.write(body.subarray(offset, offset + pace.chunkBytes));
    if (offset + pace.chunkBytes < body.length) await new Promise((resolve) => setTimeout(resolve, pace.intervalMs));
  }
  res.end();
}
