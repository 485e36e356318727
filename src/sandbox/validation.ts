/**
 * Checks a Seedance request body the way Segmind documents it (docs/segmind-api.md §1).
 * Unknown fields pass through untouched, as Segmind's `additionalProperties: true` does.
 */

export type Resolution = "480p" | "720p";
export type Duration = 5 | 10;

/** The fields that decide what the model renders; the canonical request is built from these. */
export interface GenerationInput {
  prompt: string;
  /** From `image_url` (legacy) or `first_frame_url`, whichever was sent. */
  firstFrameUrl: string;
  duration: Duration;
  resolution: Resolution;
  /** Absent when the caller let Segmind choose. */
  seed?: number;
  cameraFixed: boolean;
}

export type ValidationResult = { ok: true; input: GenerationInput } | { ok: false; error: string };

const MAX_SEED = 999_999;

export function validateGenerationBody(body: unknown): ValidationResult {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return { ok: false, error: "Request body must be a JSON object" };
  }
  const fields = body as Record<string, unknown>;

  const { prompt } = fields;
  if (typeof prompt !== "string" || prompt.trim() === "") {
    return { ok: false, error: "Prompt is Mandatory and must be string" };
  }

  const hasImageUrl = fields.image_url !== undefined;
  const hasFirstFrame = fields.first_frame_url !== undefined;
  if (hasImageUrl === hasFirstFrame) {
    return { ok: false, error: "Provide exactly one of image_url or first_frame_url" };
  }
  const frameField = hasImageUrl ? "image_url" : "first_frame_url";
  const firstFrameUrl = fields[frameField];
  if (!isHttpUrl(firstFrameUrl)) {
    return { ok: false, error: `${frameField} must be an http(s) URL` };
  }
  if (fields.last_frame_url !== undefined) {
    if (hasImageUrl) return { ok: false, error: "image_url must not be combined with last_frame_url" };
    if (!isHttpUrl(fields.last_frame_url)) return { ok: false, error: "last_frame_url must be an http(s) URL" };
  }

  // Segmind's page lists defaults (5 s, 720p) for these, so absence is not an error.
  const duration = fields.duration ?? 5;
  if (duration !== 5 && duration !== 10) {
    return { ok: false, error: "duration must be one of 5, 10" };
  }
  const resolution = fields.resolution ?? "720p";
  if (resolution !== "480p" && resolution !== "720p") {
    return { ok: false, error: "resolution must be one of 480p, 720p" };
  }

  const { seed } = fields;
  if (seed !== undefined && !(Number.isInteger(seed) && (seed as number) >= 1 && (seed as number) <= MAX_SEED)) {
    return { ok: false, error: `seed must be an integer between 1 and ${MAX_SEED}` };
  }
  const cameraFixed = fields.camera_fixed ?? false;
  if (typeof cameraFixed !== "boolean") {
    return { ok: false, error: "camera_fixed must be a boolean" };
  }

  return {
    ok: true,
    input: {
      prompt,
      firstFrameUrl: firstFrameUrl as string,
      duration,
      resolution,
      seed: seed as number | undefined,
      cameraFixed,
    },
  };
}

function isHttpUrl(value: unknown): value is string {
  if (typeof value !== "string") return false;
  try {
    const { protocol } = new URL(value);
    return protocol === "http:" || protocol === "https:";
  } catch {
    return false;
  }
}
