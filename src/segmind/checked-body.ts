import { Readable } from "node:stream";
import { SegmindError } from "./errors";
import { bodyBytesRead } from "./young-garbage";

export interface BodyCheck {
  /** Content-Length, when the body is not content-encoded. */
  expectedBytes?: number;
  /** Turns a read error (drop, timeout) into the SegmindError the caller sees. */
  describe: (error: unknown) => SegmindError;
  /** The error for a body that ended short of (or ran past) `expectedBytes`. */
  lengthMismatch: (receivedBytes: number) => SegmindError;
  /** Called as each chunk arrives (restarts an idle deadline). */
  onChunk?: () => void;
}

/**
 * A response body as a Node Readable that never ends quietly when bytes are missing: callers
 * hash and store what they receive, so a short body must fail, not look like a small video.
 *
 * Each chunk is handed on as fetch delivered it, one chunk read ahead: the stream is in object
 * mode and reads fetch's stream itself. Node byte streams join the chunks buffered when a read
 * comes into one new Buffer (Readable.fromWeb and a byte-mode Readable.from each did, on most
 * reads of a 50 MiB download): a second copy of the video, left for the garbage collector,
 * which RSS carried until a collection ran. The garbage fetch and the socket make themselves
 * is collected every few MiB read (young-garbage.ts).
 */
export function checkedBody(body: ReadableStream<Uint8Array> | null, check: BodyCheck): Readable {
  const out = Readable.from(verify(body, check), { objectMode: true, highWaterMark: 1 });
  // Destroyed before anyone read: release the connection instead of holding it to the deadline.
  out.once("close", () => {
    if (body && !body.locked) body.cancel().catch(() => undefined);
  });
  return out;
}

async function* verify(body: ReadableStream<Uint8Array> | null, check: BodyCheck): AsyncGenerator<Buffer> {
  const { expectedBytes } = check;
  let received = 0;
  // Taken only once reading starts (so a body nobody reads yet is released by the 'close' above).
  const reader = body?.getReader();
  try {
    for (;;) {
      const next = reader ? await reader.read() : { done: true as const, value: undefined };
      if (next.done) break;
      const bytes = asBuffer(next.value);
      received += bytes.length;
      check.onChunk?.();
      // The chunks before this one are written and dropped: let V8 take their memory back.
      bodyBytesRead(bytes.length);
      if (expectedBytes !== undefined && received > expectedBytes) throw check.lengthMismatch(received);
      yield bytes;
    }
  } catch (error) {
    throw error instanceof SegmindError ? error : check.describe(error);
  } finally {
    // Left early (the consumer destroyed us, or too many bytes): cancel the fetch, freeing its connection.
    if (reader) reader.cancel().catch(() => undefined);
  }
  if (expectedBytes !== undefined && received !== expectedBytes) throw check.lengthMismatch(received);
}

/** A Buffer over the chunk's own memory (`Buffer.from(uint8Array)` would copy it). */
export function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
