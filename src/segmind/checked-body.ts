import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { SegmindError } from "./errors";

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
 */
export function checkedBody(body: ReadableStream<Uint8Array> | null, check: BodyCheck): Readable {
  const out = Readable.from(verify(body, check), { objectMode: false });
  // Destroyed before anyone read: release the connection instead of holding it to the deadline.
  out.once("close", () => {
    if (body && !body.locked) body.cancel().catch(() => undefined);
  });
  return out;
}

async function* verify(body: ReadableStream<Uint8Array> | null, check: BodyCheck): AsyncGenerator<Buffer> {
  const { expectedBytes } = check;
  let received = 0;
  try {
    // Created only once reading starts: a Node stream over the body would otherwise emit an
    // unhandled 'error' when the connection dies while nobody is reading yet.
    const source = body ? Readable.fromWeb(body as NodeReadableStream<Uint8Array>) : Readable.from([]);
    // Leaving this loop early (the consumer destroyed us) destroys the source, which cancels the fetch.
    for await (const chunk of source) {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      received += bytes.length;
      check.onChunk?.();
      if (expectedBytes !== undefined && received > expectedBytes) throw check.lengthMismatch(received);
      yield bytes;
    }
  } catch (error) {
    throw error instanceof SegmindError ? error : check.describe(error);
  }
  if (expectedBytes !== undefined && received !== expectedBytes) throw check.lengthMismatch(received);
}
