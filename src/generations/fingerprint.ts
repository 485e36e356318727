import { createHash } from "node:crypto";
import { canonicalJson } from "./labels";
import type { ValidGenerateVideoRequest } from "./validation";

/**
 * What an idempotency key promises: the same key means the same request. The fingerprint is
 * over the validated input as the client gave it (a missing seed stays missing), so a retry
 * of "draw me a seed" matches the original rather than conflicting with the drawn seed.
 */
export function inputFingerprint(input: ValidGenerateVideoRequest): string {
  // Tags and metadata join the list only when given, so a request without them fingerprints
  // as it did before they existed (keys stored then still replay).
  const labels =
    input.tags.length > 0 || input.metadata !== null
      ? [[...input.tags].sort(), input.metadata === null ? null : canonicalJson(input.metadata)]
      : [];
  const canonical = JSON.stringify([
    input.prompt,
    input.imageUrl,
    input.duration,
    input.resolution,
    input.seed,
    input.cameraFixed,
    ...labels,
  ]);
  return createHash("sha256").update(canonical).digest("hex");
}
