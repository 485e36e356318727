import { describe, expect, it } from "vitest";
import { checkedBody } from "../../src/segmind/checked-body";
import { SegmindError } from "../../src/segmind/errors";

/**
 * The download body as the worker reads it: fetch's Uint8Array chunks handed on as Buffers over
 * the same memory (a copy per chunk would double the garbage a 50 MiB download leaves behind),
 * and still never ending quietly short of Content-Length.
 */
function webBody(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

const check = (expectedBytes?: number) => ({
  expectedBytes,
  describe: () => new SegmindError({ kind: "CONNECTION_DROPPED", message: "read failed" }),
  lengthMismatch: (received: number) =>
    new SegmindError({ kind: "CONNECTION_DROPPED", message: `ended after ${received} of ${expectedBytes} bytes` }),
});

describe("checkedBody", () => {
  it("hands on each chunk as a Buffer over fetch's own memory, not a copy", async () => {
    // Views into a larger buffer, as a chunk may be: offset and length must be kept. Each is
    // larger than the stream's buffer (16 KiB), so each read takes exactly one chunk (a read of
    // several buffered chunks would join them into a new Buffer: a copy of Node's, not ours).
    const size = 20 * 1024;
    const backing = new Uint8Array(3 * size);
    for (let i = 0; i < backing.length; i++) backing[i] = i % 251;
    const sent = [backing.subarray(size, 2 * size), backing.subarray(2 * size, 3 * size)];
    const received: Buffer[] = [];
    for await (const chunk of checkedBody(webBody(sent), check(2 * size))) received.push(chunk as Buffer);

    expect(received.every((chunk) => Buffer.isBuffer(chunk))).toBe(true);
    expect(Buffer.concat(received).equals(Buffer.from(backing.subarray(size)))).toBe(true);
    expect(received.map((chunk) => chunk.buffer === backing.buffer)).toEqual([true, true]);
    expect(received.map((chunk) => [chunk.byteOffset, chunk.byteLength])).toEqual([[size, size], [2 * size, size]]);
  });

  it("hands on small chunks one by one, never joined into a new Buffer", async () => {
    const backing = new Uint8Array(12).map((_, i) => i);
    const sent = [backing.subarray(0, 4), backing.subarray(4, 8), backing.subarray(8, 12)];
    const body = checkedBody(webBody(sent), check(12));
    // Let the stream read ahead as far as it will before anything consumes it.
    await new Promise((resolve) => setImmediate(resolve));
    const received: Buffer[] = [];
    for await (const chunk of body) received.push(chunk as Buffer);

    expect(received.map((chunk) => [...chunk])).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]);
    expect(received.every((chunk) => chunk.buffer === backing.buffer)).toBe(true);
  });

  it("a body that ends short of Content-Length errors instead of ending", async () => {
    const body = checkedBody(webBody([new Uint8Array(3)]), check(8));
    await expect(async () => {
      for await (const _ of body) void _;
    }).rejects.toThrow("ended after 3 of 8 bytes");
  });

  it("a body with more bytes than Content-Length errors, and the fetch body is cancelled", async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new Uint8Array(6));
      },
      cancel() {
        cancelled = true;
      },
    });
    const read = async () => {
      for await (const _ of checkedBody(body, check(8))) void _;
    };
    await expect(read()).rejects.toThrow("ended after 12 of 8 bytes");
    expect(cancelled).toBe(true);
  });
});
