import { encodeGlobalID } from "@pothos/plugin-relay";
import { clientIdempotencyKey } from "../generations/idempotency-scope";
import { parseMetadata, parseTags } from "../generations/labels";
import type { GenerationRow } from "../generations/types";
import { mediaUrlFor } from "../media/keys";

/**
 * What a webhook says about a generation: the fields of the GraphQL `Generation` type, named
 * and formatted as the API shows them to the generation's own team (global id, resolution as
 * the enum, the client's idempotency key, dates in ISO 8601). Never a key, an API key id or
 * another team's anything: the row is the team's own generation.
 */
export function generationView(row: GenerationRow, publicUrl: string): Record<string, unknown> {
  const iso = (date: Date | null) => date?.toISOString() ?? null;
  return {
    id: encodeGlobalID("Generation", row.id),
    status: row.status,
    prompt: row.prompt,
    imageUrl: row.imageUrl,
    duration: row.duration,
    resolution: row.resolution === "720p" ? "HD_720P" : "SD_480P",
    seed: row.seed,
    seedSource: row.seedSource,
    cameraFixed: row.cameraFixed,
    idempotencyKey: clientIdempotencyKey(row.idempotencyKey),
    upstream: row.upstream,
    upstreamMode: row.upstreamMode,
    modelSlug: row.modelSlug,
    upstreamRequestId: row.upstreamRequestId,
    upstreamSeed: row.upstreamSeed,
    estimatedCostUsd: row.estimatedCostUsd,
    costUsd: row.costUsd,
    resultUrl: row.mediaKey ? mediaUrlFor(publicUrl, row.mediaKey) : null,
    videoSha256: row.videoSha256,
    videoBytes: row.videoBytes,
    videoContentType: row.videoContentType,
    errorCode: row.errorCode,
    errorMessage: row.errorMessage,
    attempts: row.attempts,
    deadline: iso(row.deadlineAt),
    createdAt: iso(row.createdAt),
    submittedAt: iso(row.submittedAt),
    completedAt: iso(row.completedAt),
    latencyMs: row.completedAt ? row.completedAt.getTime() - row.createdAt.getTime() : null,
    // The client's own labels, so a receiver can route the event without asking back.
    tags: parseTags(row.tags),
    metadata: parseMetadata(row.metadata),
    batchId: row.batchId ? encodeGlobalID("GenerationBatch", row.batchId) : null,
    batchIndex: row.batchIndex,
  };
}

/** The body every webhook carries (Standard Webhooks' recommended shape). */
export function webhookBody(type: string, at: Date, data: Record<string, unknown>): string {
  return JSON.stringify({ type, timestamp: at.toISOString(), data });
}
