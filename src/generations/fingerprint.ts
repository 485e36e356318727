import { createHash } from "node:crypto";
import type { ValidGenerateVideoRequest } from "./validation";

/**
 * What an idempotency key promises: the same key means the same request. The fingerprint is
 * over the validated input as the client gave it (a missing seed stays missing), so a retry
 * of "draw me a seed" matches the original rather than conflicting with the drawn seed.
 */
export function inputFingerprint(input: ValidGenerateVideoRequest): string {
  const canonical = JSON.stringify([
    input.prompt,
    input.imageUrl,
    input.duration,
    input.resolution,
    input.seed,
    input.cameraFixed,
  ]);
  return createHash("sha256").update(canonical).digest("hex");
}
