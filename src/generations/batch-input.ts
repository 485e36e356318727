import { createHash } from "node:crypto";
import { inputFingerprint } from "./fingerprint";
import { TAGS_MAX_COUNT, type Metadata, canonicalJson, checkMetadata, tagsProblem } from "./labels";
import {
  type FieldProblem,
  type GenerateVideoRequest,
  InvalidInputError,
  SEED_MAX,
  SEED_MIN,
  type ValidGenerateVideoRequest,
  idempotencyKeyProblem,
  validateGenerateVideo,
} from "./validation";

/**
 * generateVideos' input rules. Every item goes through generateVideo's own validation
 * (validateGenerateVideo); on top of it, the batch's rules:
 *
 * - 1 to BATCH_MAX_ITEMS items (after a sweep is expanded), all or none accepted: any problem
 *   refuses the whole batch, each problem naming its item (itemIndex) and field;
 * - the idempotency key is the batch's (items carry none);
 * - a seed sweep (`seeds: [...]` or `seedCount: n`) takes exactly one item without a seed and
 *   makes one generation per seed: `seeds` distinct, each in the seed range; `seedCount` seeds
 *   are chosen by the gateway, distinct, derived from the batch id (sweepSeeds);
 * - the batch's tags are added to every item's (at most TAGS_MAX_COUNT together); the batch's
 *   metadata stays on the batch.
 */
export const BATCH_MAX_ITEMS = 50;

export interface GenerateVideosRequest {
  items: readonly GenerateVideoRequest[];
  seeds?: readonly number[] | null;
  seedCount?: number | null;
  tags?: readonly string[] | null;
  metadata?: unknown;
  idempotencyKey?: string | null;
}

export interface ValidBatchItem {
  input: ValidGenerateVideoRequest;
  /** The item as the client asked for it (before the batch's tags and a sweep's seed). */
  fingerprint: string;
}

export interface ValidGenerateVideosRequest {
  /** One per generation, in order (a sweep already expanded; seedCount items have seed null). */
  items: ValidBatchItem[];
  /** seedCount: the gateway chooses this many distinct seeds. */
  seedCount: number | null;
  tags: string[];
  metadataJson: string | null;
  metadata: Metadata | null;
  idempotencyKey: string | null;
  /** What the idempotency key promises: the same key means this same batch. */
  fingerprint: string;
}

export function validateGenerateVideos(request: GenerateVideosRequest, now: Date): ValidGenerateVideosRequest {
  const problems: FieldProblem[] = [];
  const problem = (field: string, message: string, itemIndex?: number) =>
    problems.push(itemIndex === undefined ? { field, message } : { field, message, itemIndex });

  const idempotencyKey = request.idempotencyKey ?? null;
  const keyIssue = idempotencyKey === null ? null : idempotencyKeyProblem(idempotencyKey);
  if (keyIssue) problem("idempotencyKey", keyIssue);

  const tags = [...(request.tags ?? [])];
  const tagsIssue = tagsProblem(tags);
  if (tagsIssue) problem("tags", tagsIssue);

  const metadata = checkMetadata(request.metadata);
  if ("problem" in metadata) problem("metadata", metadata.problem);

  const seeds = request.seeds ?? null;
  const seedCount = request.seedCount ?? null;
  const sweep = seeds !== null || seedCount !== null;
  if (seeds !== null && seedCount !== null) problem("seedCount", "give seeds or seedCount, not both");
  if (seeds !== null) {
    if (seeds.length === 0 || seeds.length > BATCH_MAX_ITEMS) problem("seeds", `must hold 1 to ${BATCH_MAX_ITEMS} seeds`);
    else if (seeds.some((seed) => !Number.isInteger(seed) || seed < SEED_MIN || seed > SEED_MAX))
      problem("seeds", `each must be an integer from ${SEED_MIN} to ${SEED_MAX}`);
    else if (new Set(seeds).size !== seeds.length) problem("seeds", "must not repeat a seed");
  }
  if (seedCount !== null && (!Number.isInteger(seedCount) || seedCount < 1 || seedCount > BATCH_MAX_ITEMS))
    problem("seedCount", `must be an integer from 1 to ${BATCH_MAX_ITEMS}`);

  const { items } = request;
  if (items.length === 0 || items.length > BATCH_MAX_ITEMS) problem("items", `must hold 1 to ${BATCH_MAX_ITEMS} items`);
  else if (sweep && items.length !== 1) problem("items", "a seed sweep (seeds or seedCount) takes exactly one item");

  const valid: ValidBatchItem[] = [];
  items.slice(0, BATCH_MAX_ITEMS).forEach((item, index) => {
    if (item.idempotencyKey != null) problem("idempotencyKey", "set the batch's idempotencyKey, not an item's", index);
    if (sweep && item.seed != null) problem("seed", "a seed sweep chooses the seeds: omit the item's seed", index);
    try {
      const input = validateGenerateVideo({ ...item, idempotencyKey: null }, now);
      const merged = [...tags, ...input.tags.filter((tag) => !tags.includes(tag))];
      if (!tagsIssue && merged.length > TAGS_MAX_COUNT) {
        problem("tags", tagsProblem(merged, TAGS_MAX_COUNT - tags.length) ?? "too many tags", index);
      }
      valid.push({ input: { ...input, tags: merged }, fingerprint: inputFingerprint(input) });
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      for (const field of error.fields) problem(field.field, field.message, index);
    }
  });
  if (problems.length > 0) throw new InvalidInputError(problems);

  const expanded: ValidBatchItem[] =
    seeds !== null
      ? seeds.map((seed) => ({ ...(valid[0] as ValidBatchItem), input: { ...(valid[0] as ValidBatchItem).input, seed } }))
      : seedCount !== null
        ? Array.from({ length: seedCount }, () => valid[0] as ValidBatchItem)
        : valid;
  const metadataJson = "json" in metadata ? metadata.json : null;
  return {
    items: expanded,
    seedCount,
    tags,
    metadataJson,
    metadata: metadataJson === null ? null : (request.metadata as Metadata),
    idempotencyKey,
    fingerprint: createHash("sha256")
      .update(
        JSON.stringify([
          "generateVideos",
          valid.map((item) => item.fingerprint),
          seeds,
          seedCount,
          [...tags].sort(),
          metadataJson === null ? null : canonicalJson(request.metadata),
        ]),
      )
      .digest("hex"),
  };
}

/**
 * `count` distinct seeds for a seedCount sweep, derived from the batch id: sha256 of
 * "<batchId>:<n>" mapped into the seed range, skipping repeats. Deterministic (the same batch
 * always had these seeds), different for every batch, and recorded on each generation.
 */
export function sweepSeeds(batchId: string, count: number): number[] {
  const seeds: number[] = [];
  const seen = new Set<number>();
  for (let n = 0; seeds.length < count; n += 1) {
    const digest = createHash("sha256").update(`${batchId}:${n}`).digest();
    const seed = SEED_MIN + (digest.readUInt32BE(0) % (SEED_MAX - SEED_MIN + 1));
    if (seen.has(seed)) continue;
    seen.add(seed);
    seeds.push(seed);
  }
  return seeds;
}
