import { randomInt } from "node:crypto";
import { BudgetExceededError } from "../budget/ledger";
import type { PriceTable } from "../budget/prices";
import type { BudgetAlerts } from "../budget/thresholds";
import { isUniqueViolation } from "../db/error-chain";
import type { Clock } from "../clock";
import type { Db } from "../db/client";
import { BusyError, isContention } from "../db/contention";
import { uuidv7 } from "../ids";
import type { GatewayMetrics } from "../observability/metrics";
import { recordGenerationCreated } from "../observability/tracing";
import type { BudgetAdmission } from "./admission";
import { inputFingerprint } from "./fingerprint";
import { storedIdempotencyKey } from "./idempotency-scope";
import type { GenerationNotifier } from "./notifier";
import type { RowSnapshots } from "./row-snapshots";
import { persistGenerations, prepareGeneration } from "./persist";
import type { SeedSource } from "./status";
import type { GenerationRow, UpstreamTarget } from "./types";
import { type GenerateVideoRequest, SEED_MAX, SEED_MIN, validateGenerateVideo } from "./validation";

export class IdempotencyConflictError extends Error {
  override readonly name = "IdempotencyConflictError";
  readonly code = "IDEMPOTENCY_CONFLICT";
  constructor(
    readonly idempotencyKey: string,
    /** The generation the key belongs to (a batch's: its first item). */
    readonly existingGenerationId: string,
    /** generateVideos: the batch the key belongs to. */
    readonly existingBatchId: string | null = null,
  ) {
    super(
      "This idempotencyKey was already used with a different input; use a new key for a new request.",
    );
  }
}

export interface CreateGenerationDeps {
  db: Db;
  databaseProvider: "sqlite" | "postgresql";
  clock: Clock;
  upstream: UpstreamTarget;
  notifier?: GenerationNotifier;
  drawSeed?: () => number;
  /** Estimates the budget hold (PRICE_TABLE_USD); default Segmind's list prices. */
  prices?: PriceTable;
  /** Counts creations, holds and budget refusals (src/observability/metrics.ts). */
  metrics?: Pick<GatewayMetrics, "generationCreated" | "budgetRefused">;
  /** budget.threshold webhooks of the holds, written in their transaction (src/budget/thresholds.ts). */
  budgetAlerts?: Pick<BudgetAlerts, "afterHolds" | "scheduled">;
  /** Group commit of a team's budgeted requests (admission.ts). */
  admission: BudgetAdmission;
  /** The new row is kept here, so the worker's first step need not read it (row-snapshots.ts). */
  snapshots?: Pick<RowSnapshots, "version" | "keep" | "forget">;
}

export interface CreatedGeneration {
  generation: GenerationRow;
  /** true when an earlier generation with the same idempotency key and input was returned. */
  replayed: boolean;
}

export const drawRandomSeed = () => randomInt(SEED_MIN, SEED_MAX + 1);

/** Who asked for a generation: a team's key, or nobody (anonymous). */
export interface GenerationOwner {
  teamId: string | null;
  apiKeyId: string | null;
  /** Where the request came from, for the audit trail. */
  clientAddress?: string | null;
  /** regenerateVideo: the generation whose manifest this one was made from. */
  derivedFromId?: string | null;
}

const ANONYMOUS: GenerationOwner = { teamId: null, apiKeyId: null };

/**
 * Validates, then records the generation durably (row + first event) before anything goes
 * upstream. The exact upstream body is fixed here, once, so what is stored is what is sent.
 */
export async function createGeneration(
  deps: CreateGenerationDeps,
  request: GenerateVideoRequest,
  owner: GenerationOwner = ANONYMOUS,
): Promise<CreatedGeneration> {
  // One reading of the clock: the deadline check and the record agree on "now".
  const now = deps.clock.now();
  const input = validateGenerateVideo(request, now);
  const fingerprint = inputFingerprint(input);

  // Scoped to the caller's team (idempotency-scope.ts): another team's key is a different key.
  const clientKey = input.idempotencyKey;
  const storedKey = clientKey === null ? null : storedIdempotencyKey(owner.teamId, clientKey);
  /** The earlier generation under this key, replayed, or a conflict; null when there is none. */
  const replayEarlier = async (): Promise<CreatedGeneration | null> => {
    if (clientKey === null || storedKey === null) return null;
    const existing = await deps.db.generation.findUnique({ where: { idempotencyKey: storedKey } });
    return existing ? replayOrConflict(existing, clientKey, fingerprint) : null;
  };
  const earlier = await replayEarlier();
  if (earlier) return earlier;

  const seedSource: SeedSource = input.seed === null ? "GATEWAY" : "CLIENT";
  const seed = input.seed ?? (deps.drawSeed ?? drawRandomSeed)();
  const prepared = prepareGeneration(deps, input, owner, now, {
    id: uuidv7(now),
    seed,
    seedSource,
    idempotencyKey: storedKey,
    inputFingerprint: fingerprint,
  });
  const hold = owner.teamId
    ? { provider: deps.databaseProvider, teamId: owner.teamId, apiKeyId: owner.apiKeyId, estimateUsd: prepared.estimatedCostUsd, now }
    : null;

  // Follow the new id before it is written: the write's own notification (below) is then
  // the one seen, and the row can be kept for the worker.
  const since = deps.snapshots?.version(prepared.data.id);
  try {
    // Budgeted: the team's group commit checks and holds it (admission.ts), in arrival order.
    // No team, no budget: the row, its first event and the audit entry (persist.ts).
    const { row: generation, deliveries } = hold
      ? await deps.admission.admit({ prepared, owner: { ...owner, teamId: hold.teamId }, hold, now })
      : { row: (await deps.db.$transaction((tx) => persistGenerations(tx, owner, now, [prepared])))[0] as GenerationRow, deliveries: [] };
    deps.notifier?.notify(generation.id);
    if (since !== undefined) deps.snapshots?.keep(generation.id, generation, since, now.getTime());
    // budget.threshold webhooks the hold raised, sent now that it committed.
    deps.budgetAlerts?.scheduled(deliveries);
    deps.metrics?.generationCreated(owner.teamId, hold !== null);
    recordGenerationCreated(generation.id);
    return { generation, replayed: false };
  } catch (error) {
    deps.snapshots?.forget(prepared.data.id);
    if (hold && error instanceof BudgetExceededError) deps.metrics?.budgetRefused(hold.teamId, error);
    // Two requests with one new key raced; the loser answers like a late retry would.
    const earlier = isUniqueViolation(error) ? await replayEarlier() : null;
    if (earlier) return earlier;
    // Waited too long for its turn on the team's budget (or a connection): nothing was
    // stored, and the client may simply retry.
    if (isContention(error)) throw new BusyError();
    throw error;
  }
}

function replayOrConflict(existing: GenerationRow, key: string, fingerprint: string): CreatedGeneration {
  if (existing.inputFingerprint !== fingerprint) throw new IdempotencyConflictError(key, existing.id);
  return { generation: existing, replayed: true };
}

