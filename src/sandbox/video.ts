import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Duration, GenerationInput, Resolution } from "./validation";

/**
 * The stand-in's "generated" video: a committed H.264 fixture per shape, lasting the requested
 * seconds at the requested size (made once with ffmpeg by scripts/sandbox-fixtures.sh; see
 * README.md), plus one top-level MP4 `free` box appended at the end. Players skip `free`
 * boxes, so the file still plays, while its payload names the canonical request: the same
 * input and seed give byte-identical files, another seed gives other bytes.
 */

type Shape = `${Resolution}-${Duration}s`;

const fixtureCache = new Map<Shape, Buffer>();

/** The committed video of this shape: src/sandbox/fixtures/sandbox-<resolution>-<seconds>s.mp4. */
export function fixture(resolution: Resolution, duration: Duration): Buffer {
  const shape: Shape = `${resolution}-${duration}s`;
  let bytes = fixtureCache.get(shape);
  if (!bytes) {
    bytes = readFileSync(new URL(`./fixtures/sandbox-${shape}.mp4`, import.meta.url));
    fixtureCache.set(shape, bytes);
  }
  return bytes;
}

/** sha256 over the fields that decide the output, in a fixed order. */
export function canonicalRequestSha256(input: GenerationInput, seed: number): string {
  const canonical = JSON.stringify({
    prompt: input.prompt,
    first_frame_url: input.firstFrameUrl,
    duration: input.duration,
    resolution: input.resolution,
    seed,
    camera_fixed: input.cameraFixed,
  });
  return createHash("sha256").update(canonical).digest("hex");
}

/**
 * The output file: the fixture for the shape, then (when `paddingBytes` > 0) a `free` box
 * of that many zero bytes, standing in for a large video, then the stamp box.
 */
export function renderVideo(input: GenerationInput, seed: number, paddingBytes = 0): Buffer {
  const padding = paddingBytes > 0 ? [freeBoxHeader(paddingBytes), Buffer.alloc(paddingBytes)] : [];
  const stamp = stampPayload(input, seed);
  return Buffer.concat([fixture(input.resolution, input.duration), ...padding, freeBoxHeader(stamp.length), stamp]);
}

/** The size of `renderVideo`'s file, without rendering it. */
export function renderedVideoSize(input: GenerationInput, seed: number, paddingBytes = 0): number {
  const padding = paddingBytes > 0 ? 8 + paddingBytes : 0;
  return fixture(input.resolution, input.duration).length + padding + 8 + stampPayload(input, seed).length;
}

function stampPayload(input: GenerationInput, seed: number): Buffer {
  return Buffer.from(`seedance-sandbox\nrequest-sha256=${canonicalRequestSha256(input, seed)}\nseed=${seed}\n`, "utf8");
}

function freeBoxHeader(payloadBytes: number): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + payloadBytes, 0);
  header.write("free", 4, "latin1");
  return header;
}
/** The seed Segmind reports when the caller sent none: derived from the request id, 1..999999. */
export function seedFromRequestId(requestId: string): number {
  const digest = createHash("sha256").update(requestId).digest();
  return (digest.readUInt32BE(0) % 999_999) + 1;
}
