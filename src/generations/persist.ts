import { auditGenerationsCreatedBy } from "../audit/generations";
import { sealWithoutWaiting } from "../audit/seal";
import { placeHolds } from "../budget/holds";
import { DEFAULT_PRICE_TABLE, estimateCostUsd } from "../budget/prices";
import type { BudgetAlerts, RowsBeforeHolds } from "../budget/thresholds";
import type { Tx } from "../db/client";
import { insertRows } from "../db/insert-rows";
import { roundUsd } from "../money";
import type { SeedanceRequestBody } from "../segmind/types";
import { GATEWAY_VERSION } from "../version";
import type { CreateGenerationDeps, GenerationOwner } from "./create";
import type { GenerationEventType, GenerationStatus, SeedSource } from "./status";
import type { GenerationRow } from "./types";
import type { ValidGenerateVideoRequest } from "./validation";

/**
 * The one way a generation is written, for generateVideo (one) and generateVideos (a batch):
 * `prepareGeneration` fixes everything stored (the exact upstream body, the estimate), and
 * `persistGenerations` inserts any number of them inside the caller's transaction (after its
 * budget check) in a fixed number of statements: rows, tags, holds, audit, first events.
 */

/** Where a prepared generation goes beyond its input. */
export interface GenerationPlacement {
  id: string;
  seed: number;
  seedSource: SeedSource;
  /** Stored (team-scoped) idempotency key; null for a batch's items (the batch has the key). */
  idempotencyKey: string | null;
  inputFingerprint: string;
  batchId?: string | null;
  batchIndex?: number | null;
}

export interface PreparedGeneration {
  data: GenerationData;
  tags: string[];
  estimatedCostUsd: number;
}

export function prepareGeneration(
  deps: Pick<CreateGenerationDeps, "upstream" | "prices">,
  input: ValidGenerateVideoRequest,
  owner: GenerationOwner,
  now: Date,
  placement: GenerationPlacement,
): PreparedGeneration {
  const body: SeedanceRequestBody = {
    prompt: input.prompt,
    image_url: input.imageUrl,
    duration: input.duration,
    resolution: input.resolution,
    seed: placement.seed,
    camera_fixed: input.cameraFixed,
  };
  const estimatedCostUsd = estimateCostUsd(deps.prices ?? DEFAULT_PRICE_TABLE, input.resolution, input.duration);
  return { data: rowData(deps, input, owner, now, placement, body, estimatedCostUsd), tags: input.tags, estimatedCostUsd };
}

function rowData(
  deps: Pick<CreateGenerationDeps, "upstream">,
  input: ValidGenerateVideoRequest,
  owner: GenerationOwner,
  now: Date,
  placement: GenerationPlacement,
  body: SeedanceRequestBody,
  estimatedCostUsd: number,
) {
  return {
    id: placement.id,
    status: "QUEUED" satisfies GenerationStatus,
    prompt: input.prompt,
    imageUrl: input.imageUrl,
    duration: input.duration,
    resolution: input.resolution,
    seed: placement.seed,
    seedSource: placement.seedSource,
    cameraFixed: input.cameraFixed,
    idempotencyKey: placement.idempotencyKey,
    inputFingerprint: placement.inputFingerprint,
    upstream: deps.upstream.name,
    upstreamBaseUrl: deps.upstream.baseUrl,
    upstreamMode: deps.upstream.mode,
    modelSlug: deps.upstream.modelSlug,
    teamId: owner.teamId,
    apiKeyId: owner.apiKeyId,
    estimatedCostUsd,
    derivedFromId: owner.derivedFromId ?? null,
    gatewayVersion: GATEWAY_VERSION,
    upstreamRequestBody: JSON.stringify(body),
    // Not part of the idempotency fingerprint: a replay returns the first generation, deadline and all.
    deadlineAt: input.deadline,
    batchId: placement.batchId ?? null,
    batchIndex: placement.batchIndex ?? null,
    tags: JSON.stringify(input.tags),
    metadata: input.metadataJson,
    createdAt: now,
    updatedAt: now,
  };
}

type GenerationData = ReturnType<typeof rowData>;

/** A new row as stored: what rowData sets, and every other column empty (attempts 0). */
function newRow(data: GenerationData): GenerationRow {
  return {
    upstreamRequestId: null,
    upstreamSeed: null,
    costUsd: null,
    remainingCreditsUsd: null,
    upstreamOutputUrl: null,
    mediaKey: null,
    videoSha256: null,
    videoBytes: null,
    videoContentType: null,
    errorCode: null,
    errorMessage: null,
    nextAttemptAt: null,
    attempts: 0,
    cancelRequestedAt: null,
    upstreamWaitSince: null,
    upstreamWaitReason: null,
    submittedAt: null,
    completedAt: null,
    imageSha256: null,
    imageBytes: null,
    ...data,
  };
}

/** One request's generations (generateVideo: one; generateVideos: a batch), by its owner at its time. */
export interface PersistRequest {
  owner: GenerationOwner;
  now: Date;
  prepared: readonly PreparedGeneration[];
}

/**
 * Inserts prepared generations (QUEUED) with their first events, tag rows, budget holds (when
 * the owner has a team; the caller has checked the budget for all of them in this
 * transaction) and GENERATION_CREATED audit entries. Returns the rows in the given order.
 * With `alerts`, the budget.threshold webhooks the holds raise are written too (their delivery
 * ids go into `alerts.deliveries`, for the caller to schedule once the transaction committed).
 */
export async function persistGenerations(
  tx: Tx,
  owner: GenerationOwner,
  now: Date,
  prepared: readonly PreparedGeneration[],
  alerts?: PersistAlerts,
): Promise<GenerationRow[]> {
  return persistRequests(tx, [{ owner, now, prepared }], alerts);
}

export interface PersistAlerts {
  budget: Pick<BudgetAlerts, "afterHolds">;
  deliveries: string[];
}

/**
 * persistGenerations for several requests at once (the group commit of one team's requests,
 * src/generations/admission.ts), in the same fixed number of statements however many there
 * are: each keeps its own owner, time, holds and audit entry, in the given order, and the
 * alerts are those of each request's holds in turn. Every owner with a team must be of one
 * team, whose budget lock the caller holds.
 */
export async function persistRequests(
  tx: Tx,
  requests: readonly PersistRequest[],
  alerts?: PersistAlerts,
  /** The team's and keys' rows as the budget check read them, before these holds (saves reading them again). */
  readBefore?: RowsBeforeHolds,
): Promise<GenerationRow[]> {
  const items = requests.flatMap((request) => request.prepared.map((item) => ({ request, item })));
  if (items.length === 0) return [];
  // One fixed INSERT (insert-rows.ts), not createManyAndReturn: Prisma compiled that with every
  // value inlined, its biggest cost on the accept path. Nothing here is left to the database's
  // defaults, so the rows are known without reading them back.
  const rows = items.map(({ item }) => newRow(item.data));
  const columns = Object.keys(items[0]!.item.data) as Array<keyof GenerationData>;
  await insertRows(
    tx,
    "Generation",
    columns,
    items.map(({ item }) => columns.map((column) => item.data[column])),
  );
  const tagRows = items.flatMap(({ item }) => item.tags.map((tag) => ({ generationId: item.data.id, tag })));
  await insertRows(tx, "GenerationTag", ["generationId", "tag"], tagRows.map((tag) => [tag.generationId, tag.tag]));
  const budgeted = requests.filter((request) => request.owner.teamId);
  const teamId = budgeted[0]?.owner.teamId;
  if (teamId) {
    await placeHolds(
      tx,
      budgeted.flatMap((request) =>
        request.prepared.map((item) => ({
          teamId,
          apiKeyId: request.owner.apiKeyId,
          now: request.now,
          generationId: item.data.id,
          estimateUsd: item.estimatedCostUsd,
        })),
      ),
    );
    // A threshold these holds reach, at the request whose hold reached it (src/budget/thresholds.ts);
    // the caller holds the team's lock.
    if (alerts) {
      const steps = budgeted.map((request) => ({
        apiKeyId: request.owner.apiKeyId,
        now: request.now,
        generationId: request.prepared.at(-1)?.data.id ?? null,
        amountUsd: request.prepared.reduce((sum, item) => sum + roundUsd(item.estimatedCostUsd), 0),
      }));
      alerts.deliveries.push(...(await alerts.budget.afterHolds(tx, teamId, steps, readBefore)));
    }
  }
  // The client is answered once the request commits; its GENERATION_CREATED entries are
  // chained meanwhile (src/audit/seal.ts), and a reader of the trail waits for them.
  sealWithoutWaiting(tx);
  await auditGenerationsCreatedBy(
    tx,
    items.map(({ request }, index) => ({
      at: request.now,
      row: rows[index] as GenerationRow,
      actor: { keyId: request.owner.apiKeyId, teamId: request.owner.teamId, clientAddress: request.owner.clientAddress ?? null },
    })),
  );
  // Events last, in one statement, so their sequence values are taken just before the
  // commit: subscribers' event feed waits for a value handed out but not yet visible
  // (src/generations/event-feed.ts).
  await insertRows(
    tx,
    "GenerationEvent",
    ["generationId", "type", "toStatus", "message", "createdAt"],
    items.map(({ request }, index) => {
      const row = rows[index] as GenerationRow;
      return [row.id, "STATUS_CHANGED" satisfies GenerationEventType, row.status, row.seedSource === "GATEWAY" ? `seed ${row.seed} drawn by the gateway` : null, request.now];
    }),
  );
  return rows;
}
