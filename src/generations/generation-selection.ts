import { type ColumnMap, selectionReader } from "./selected-columns";
import type { GenerationRow } from "./types";

/**
 * A column of the Generation table, or one a page's own statement counts (history-reads.ts):
 * eventCount, how many events the generation has (lists this process holds whole are not read
 * again: event-lists.ts), and totalCount, the connection's.
 */
export type GenerationColumn = (keyof GenerationRow & string) | "eventCount" | "totalCount";

/** Fields shown as the column of the same name. */
function asStored(...columns: GenerationColumn[]): ColumnMap<GenerationColumn> {
  return Object.fromEntries(columns.map((column) => [column, [column]]));
}

/**
 * What each field of Generation (src/schema/generation.ts, reproducibility.ts, batch.ts) reads
 * of its row. A field computed from several columns names them all; one that loads other rows
 * names the column it loads them by. test/generations/page-columns.test.ts answers every field
 * of the schema through a page (these columns) and by id (every column) and compares.
 */
const GENERATION_FIELDS: ColumnMap<GenerationColumn> = {
  ...asStored(
    "id",
    "status",
    "prompt",
    "imageUrl",
    "duration",
    "resolution",
    "seed",
    "seedSource",
    "cameraFixed",
    "idempotencyKey",
    "upstream",
    "upstreamBaseUrl",
    "upstreamMode",
    "modelSlug",
    "upstreamRequestBody",
    "upstreamRequestId",
    "upstreamSeed",
    "costUsd",
    "estimatedCostUsd",
    "remainingCreditsUsd",
    "upstreamOutputUrl",
    "videoSha256",
    "videoBytes",
    "videoContentType",
    "errorCode",
    "errorMessage",
    "attempts",
    "createdAt",
    "submittedAt",
    "completedAt",
    "cancelRequestedAt",
    "tags",
    "metadata",
    "batchIndex",
  ),
  resultUrl: ["mediaKey"],
  latencyMs: ["createdAt", "completedAt"],
  progress: ["status", "submittedAt", "completedAt", "duration", "resolution"],
  estimatedCompletionAt: ["status", "submittedAt", "completedAt", "duration", "resolution"],
  events: ["id", "eventCount"],
  queuePosition: ["id", "status"],
  waitingForUpstream: ["status", "upstreamWaitSince", "upstreamWaitReason", "deadlineAt"],
  deadline: ["deadlineAt"],
  batch: ["batchId"],
  derivedFrom: ["derivedFromId"],
  derivations: ["id"],
  manifest: {
    ...asStored(
      "modelSlug",
      "upstream",
      "upstreamMode",
      "upstreamBaseUrl",
      "upstreamRequestBody",
      "seedSource",
      "seed",
      "upstreamSeed",
      "gatewayVersion",
      "imageUrl",
      "imageSha256",
      "imageBytes",
      "videoSha256",
      "videoBytes",
      "videoContentType",
      "createdAt",
    ),
    requestedSeed: ["seedSource", "seed"],
  },
};

/** A `generations` connection: its edges' cursors and nodes read the page's rows. */
const PAGE_FIELDS: ColumnMap<GenerationColumn> = {
  totalCount: ["totalCount"],
  pageInfo: [],
  edges: { cursor: ["id"], node: GENERATION_FIELDS },
};

/**
 * The Generation columns a `generations(...)` field's selection reads, its id always; null
 * when it selects a field not named above (read every column).
 */
export const selectedPageColumns = selectionReader(PAGE_FIELDS, ["id"], (wanted): readonly GenerationColumn[] | null => (wanted ? [...wanted] : null));
