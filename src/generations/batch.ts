import { BudgetExceededError, assertBudgetFits, lockTeamBudget } from "../budget/ledger";
import type { Db } from "../db/client";
import { BusyError, isContention } from "../db/contention";
import { isUniqueViolation } from "../db/error-chain";
import { uuidv7 } from "../ids";
import { roundUsd } from "../money";
import { recordGenerationCreated } from "../observability/tracing";
import { type GenerateVideosRequest, sweepSeeds, validateGenerateVideos } from "./batch-input";
import {
  type CreateGenerationDeps,
  type GenerationOwner,
  IdempotencyConflictError,
  drawRandomSeed,
} from "./create";
import { storedIdempotencyKey } from "./idempotency-scope";
import { persistGenerations, prepareGeneration } from "./persist";
import type { GenerationRow } from "./types";

export type BatchRow = Awaited<ReturnType<Db["generationBatch"]["findUniqueOrThrow"]>>;

export interface CreatedBatch {
  batch: BatchRow;
  /** The batch's generations, in item order (batchIndex). */
  generations: GenerationRow[];
  /** true when an earlier batch with the same idempotency key and input was returned. */
  replayed: boolean;
}

/**
 * generateVideos: validates every item (batch-input.ts, on top of generateVideo's own rules),
 * then in ONE transaction checks the budget for all of them together (their summed estimate,
 * and their number against the concurrency and per-minute limits), and writes the batch row
 * and every generation through the same path as generateVideo (persist.ts): rows, events,
 * tags, holds, audit entries. A batch that does not fit is refused whole (BudgetExceededError)
 * with nothing stored. Idempotent as a whole: the batch's key with the same input replays the
 * batch, with a different input is an IdempotencyConflictError.
 */
export async function createBatch(
  deps: CreateGenerationDeps,
  request: GenerateVideosRequest,
  owner: GenerationOwner,
): Promise<CreatedBatch> {
  const now = deps.clock.now();
  const input = validateGenerateVideos(request, now);

  const clientKey = input.idempotencyKey;
  const storedKey = clientKey === null ? null : storedIdempotencyKey(owner.teamId, clientKey);
  const replayEarlier = async (): Promise<CreatedBatch | null> => {
    if (clientKey === null || storedKey === null) return null;
    const existing = await deps.db.generationBatch.findUnique({
      where: { idempotencyKey: storedKey },
      include: { generations: { orderBy: { batchIndex: "asc" } } },
    });
    if (!existing) return null;
    const { generations, ...batch } = existing;
    if (batch.inputFingerprint !== input.fingerprint) {
      throw new IdempotencyConflictError(clientKey, generations[0]?.id ?? batch.id, batch.id);
    }
    return { batch, generations, replayed: true };
  };
  const earlier = await replayEarlier();
  if (earlier) return earlier;

  const batchId = uuidv7(now);
  const chosen = input.seedCount === null ? null : sweepSeeds(batchId, input.seedCount);
  const draw = deps.drawSeed ?? drawRandomSeed;
  const prepared = input.items.map((item, index) => {
    const seed = chosen?.[index] ?? item.input.seed;
    return prepareGeneration(deps, item.input, owner, now, {
      id: uuidv7(now),
      seed: seed ?? draw(),
      seedSource: item.input.seed === null ? "GATEWAY" : "CLIENT",
      idempotencyKey: null,
      inputFingerprint: item.fingerprint,
      batchId,
      batchIndex: index,
    });
  });
  const estimateUsd = roundUsd(prepared.reduce((total, item) => total + item.estimatedCostUsd, 0));
  const hold = owner.teamId
    ? { provider: deps.databaseProvider, teamId: owner.teamId, apiKeyId: owner.apiKeyId, estimateUsd, now, generations: prepared.length }
    : null;

  // budget.threshold webhooks the batch's holds raise, written in its transaction (src/budget/thresholds.ts).
  const alerts = deps.budgetAlerts ? { budget: deps.budgetAlerts, deliveries: [] as string[] } : undefined;
  try {
    const created = await deps.db.$transaction(async (tx) => {
      if (alerts) alerts.deliveries = [];
      // All or nothing: the batch's total against every limit, before anything is written.
      if (hold) {
        await lockTeamBudget(tx, hold.provider, hold.teamId);
        await assertBudgetFits(tx, hold);
      }
      const batch = await tx.generationBatch.create({
        data: {
          id: batchId,
          teamId: owner.teamId,
          apiKeyId: owner.apiKeyId,
          idempotencyKey: storedKey,
          inputFingerprint: input.fingerprint,
          itemCount: prepared.length,
          tags: JSON.stringify(input.tags),
          metadata: input.metadataJson,
          createdAt: now,
        },
      });
      const generations = await persistGenerations(tx, owner, now, prepared, alerts);
      return { batch, generations, replayed: false };
    });
    if (alerts) alerts.budget.scheduled(alerts.deliveries);
    for (const generation of created.generations) {
      deps.notifier?.notify(generation.id);
      deps.metrics?.generationCreated(owner.teamId, hold !== null);
      recordGenerationCreated(generation.id);
    }
    return created;
  } catch (error) {
    if (hold && error instanceof BudgetExceededError) deps.metrics?.budgetRefused(hold.teamId, error);
    // Two requests with one new key raced; the loser answers like a late retry would.
    const replayed = isUniqueViolation(error) ? await replayEarlier() : null;
    if (replayed) return replayed;
    if (isContention(error)) throw new BusyError();
    throw error;
  }
}
