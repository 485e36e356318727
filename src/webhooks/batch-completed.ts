import { encodeGlobalID } from "@pothos/plugin-relay";
import { join } from "@prisma/client/runtime/client";
import type { Tx } from "../db/client";
import { clientIdempotencyKey } from "../generations/idempotency-scope";
import { parseMetadata, parseTags } from "../generations/labels";
import { GENERATION_STATUSES, TERMINAL_STATUSES } from "../generations/status";
import { roundUsd } from "../money";
import type { OutboxEvent } from "./outbox";
import { generationView } from "./payload";

const UNFINISHED = GENERATION_STATUSES.filter((status) => !TERMINAL_STATUSES.has(status));

/**
 * `batch.completed`, when the generation that just reached a final status (in this
 * transaction) was the last of its generateVideos batch to do so; null otherwise. The batch
 * row is locked first, so of two items finishing at once exactly one sees the other final:
 * the later transaction's count runs after the earlier one committed. The payload is the batch
 * as the API shows it to its team: counts, costs, and each generation's outcome in item order.
 */
export async function batchCompletedEvent(tx: Tx, batchId: string, at: Date, publicUrl: string): Promise<OutboxEvent | null> {
  await tx.$executeRaw`UPDATE "GenerationBatch" SET "itemCount" = "itemCount" WHERE "id" = ${batchId}`;
  // Raw, so every item's transition but the last stays on the driver adapter (src/db/raw-transactions.ts).
  const [unfinished] = await tx.$queryRaw<Array<{ n: number | bigint }>>`
    SELECT COUNT(*) AS "n" FROM "Generation" WHERE "batchId" = ${batchId} AND "status" IN (${join(UNFINISHED)})`;
  if (Number(unfinished?.n ?? 0) > 0) return null;
  const batch = await tx.generationBatch.findUnique({
    where: { id: batchId },
    include: { generations: { orderBy: { batchIndex: "asc" } } },
  });
  if (!batch) return null;
  const { generations } = batch;
  const statusCounts: Record<string, number> = {};
  for (const generation of generations) statusCounts[generation.status] = (statusCounts[generation.status] ?? 0) + 1;
  const pick = ["id", "status", "seed", "batchIndex", "resultUrl", "videoSha256", "costUsd", "errorCode", "errorMessage", "tags"];
  return {
    type: "batch.completed",
    teamId: batch.teamId,
    at,
    data: {
      batch: {
        id: encodeGlobalID("GenerationBatch", batch.id),
        size: batch.itemCount,
        idempotencyKey: clientIdempotencyKey(batch.idempotencyKey),
        tags: parseTags(batch.tags),
        metadata: parseMetadata(batch.metadata),
        createdAt: batch.createdAt.toISOString(),
        statusCounts,
        estimatedCostUsd: roundUsd(generations.reduce((sum, g) => sum + (g.estimatedCostUsd ?? 0), 0)),
        costUsd: roundUsd(generations.reduce((sum, g) => sum + (g.costUsd ?? 0), 0)),
        generations: generations.map((generation) => {
          const view = generationView(generation, publicUrl);
          return Object.fromEntries(pick.map((key) => [key, view[key]]));
        }),
      },
    },
  };
}
