import { createHash } from "node:crypto";
import { createServer } from "node:net";
import type { Readable } from "node:stream";
import { expect } from "vitest";
import { type SegmindStandIn, type StandInOptions, startSegmindStandIn } from "../../src/sandbox/standin";
import { type SegmindClientOptions, createSegmindClient } from "../../src/segmind/client";
import { SegmindError, type SegmindErrorKind } from "../../src/segmind/errors";
import type { SeedanceRequestBody, SegmindClient, UpstreamCall } from "../../src/segmind/types";

/** Shaped like a real Segmind key (SG_ + 16 hex), so a leak would be easy to spot. */
export const API_KEY = "SG_5eed0123abcd4567";

export function requestBody(overrides: Partial<SeedanceRequestBody> = {}): SeedanceRequestBody {
  return {
    prompt: "a lighthouse at dusk, waves rolling in",
    image_url: "https://example.com/first-frame.png",
    duration: 5,
    resolution: "480p",
    seed: 4242,
    camera_fixed: false,
    ...overrides,
  };
}

export async function startStandIn(options: Partial<StandInOptions> = {}): Promise<SegmindStandIn> {
  return startSegmindStandIn({ apiKey: API_KEY, jobDurationMs: 300, syncDelayMs: 50, ...options });
}

export function clientFor(standIn: SegmindStandIn, options: Partial<SegmindClientOptions> = {}): SegmindClient {
  return createSegmindClient({ baseUrl: standIn.url, apiKey: API_KEY, timeoutMs: 5_000, ...options });
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Polls `read` until `done` holds, failing after `deadlineMs` (no fixed sleeps in tests). */
export async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, deadlineMs = 10_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${deadlineMs} ms; last value ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Awaits a rejection and checks it is a SegmindError of this kind. */
export async function expectSegmindError(promise: Promise<unknown>, kind: SegmindErrorKind): Promise<SegmindError> {
  const error = await promise.then(
    () => {
      throw new Error(`expected a SegmindError ${kind}, but the call succeeded`);
    },
    (rejection: unknown) => rejection,
  );
  expect(error).toBeInstanceOf(SegmindError);
  expect((error as SegmindError).kind).toBe(kind);
  return error as SegmindError;
}

/** Collects UpstreamCall reports, to pass as `{ onCall }`. */
export function callRecorder(): { calls: UpstreamCall[]; onCall: (call: UpstreamCall) => void } {
  const calls: UpstreamCall[] = [];
  return { calls, onCall: (call) => calls.push(call) };
}

/** A port nothing listens on: bind one, note it, close it. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
