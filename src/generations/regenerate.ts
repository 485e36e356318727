import type { SeedanceRequestBody } from "../segmind/types";
import type { Resolution } from "./status";
import type { GenerationRow } from "./types";
import type { GenerateVideoRequest } from "./validation";

/** What regenerateVideo may change; everything omitted comes from the source's manifest. */
export interface RegenerateOverrides {
  prompt?: string | null;
  imageUrl?: string | null;
  duration?: number | null;
  resolution?: Resolution | null;
  seed?: number | null;
  cameraFixed?: boolean | null;
  idempotencyKey?: string | null;
  deadline?: Date | null;
}

/**
 * The request that reproduces `source`: its exact upstream body (what Segmind was sent, seed
 * included) with the overrides applied. The result goes through createGeneration like any
 * request: validated again, priced and held against the caller's budget, audited.
 * Not copied: the idempotency key and the deadline (they belong to one request, not to the
 * video), and the upstream/model (the new generation runs on whatever the gateway serves now;
 * its own manifest says which).
 */
export function regenerationRequest(source: GenerationRow, overrides: RegenerateOverrides = {}): GenerateVideoRequest {
  const body = JSON.parse(source.upstreamRequestBody) as SeedanceRequestBody;
  return {
    prompt: overrides.prompt ?? body.prompt,
    imageUrl: overrides.imageUrl ?? body.image_url,
    duration: overrides.duration ?? body.duration,
    resolution: overrides.resolution ?? body.resolution,
    seed: overrides.seed ?? body.seed,
    cameraFixed: overrides.cameraFixed ?? body.camera_fixed,
    idempotencyKey: overrides.idempotencyKey ?? null,
    deadline: overrides.deadline ?? null,
  };
}

/**
 * The generation id inside one of the gateway's result URLs (`<publicUrl>/media/generations/
 * <uuid>.mp4`, or just its path), or null when the text is not one.
 */
export function generationIdFromResultUrl(text: string): string | null {
  let path: string;
  try {
    path = new URL(text, "http://gateway.invalid").pathname;
  } catch {
    return null;
  }
  const match = /\/media\/generations\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.mp4$/i.exec(path);
  return match ? (match[1] as string).toLowerCase() : null;
}
