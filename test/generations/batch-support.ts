import { type Harness, VALID_INPUT } from "../support/harness";
import { sealAudit } from "../../src/audit/seal";

export const GENERATE_VIDEOS = `
  mutation Batch($input: GenerateVideosInput!) {
    generateVideos(input: $input) {
      __typename
      ... on GenerateVideosPayload {
        replayed
        batch { id size idempotencyKey tags metadata seeds createdAt }
        generations { id status seed seedSource batchIndex tags metadata estimatedCostUsd batch { id } }
      }
      ... on Error { code message }
      ... on InvalidInputError { fields { field message itemIndex } }
      ... on IdempotencyConflictError { idempotencyKey existingGenerationId existingBatchId }
      ... on BudgetExceededError { limit scope limitValue used estimateUsd requestedGenerations }
      ... on BusyError { retryAfterMs }
    }
  }
`;

export const BATCH_QUERY = `
  query Batch($id: ID!) {
    batch(id: $id) {
      id size tags metadata seeds finished estimatedCostUsd costUsd
      statusCounts { status count }
      generations { id status seed batchIndex upstreamSeed costUsd }
    }
  }
`;

/** One item: generateVideo's valid input without its seed (a sweep or the gateway chooses it). */
export function item(patch: Record<string, unknown> = {}): Record<string, unknown> {
  const { seed: _seed, ...rest } = VALID_INPUT;
  return { ...rest, ...patch };
}

/** generateVideos as `key` (null: anonymous); throws on a GraphQL error, returns the result union. */
export async function generateVideosAs(harness: Harness, key: string | null, input: Record<string, unknown>): Promise<any> {
  const response = await harness.gqlAs(key, GENERATE_VIDEOS, { input });
  if (response.errors) throw new Error(`generateVideos failed: ${JSON.stringify(response.errors)}`);
  return response.data.generateVideos;
}

/** Rows of every table a batch accept writes to, to prove a refusal wrote none. */
export async function storedCounts(harness: Harness) {
  // Generations of earlier tests still running would add events meanwhile.
  await harness.gateway.services.worker.idle();
  const { db } = harness;
  // The trail as its readers see it: every committed entry chained (src/audit/seal.ts).
  await sealAudit(db);
  const [generations, events, tags, batches, ledger, audit] = await Promise.all([
    db.generation.count(),
    db.generationEvent.count(),
    db.generationTag.count(),
    db.generationBatch.count(),
    db.ledgerEntry.count(),
    db.auditEntry.count(),
  ]);
  return { generations, events, tags, batches, ledger, audit };
}
