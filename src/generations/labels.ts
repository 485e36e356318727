/**
 * Tags and metadata: the client's own labels on a generation (and a batch), stored with it and
 * never sent upstream. Tags group spending (`credits.spendingByTag`) and filter `generations`;
 * metadata is a small JSON object handed back as given (API, webhooks). Rules, chosen by us:
 *
 * - tags: at most TAGS_MAX_COUNT per generation (a batch's tags count too), each 1 to
 *   TAG_MAX_LENGTH characters of lowercase ASCII letters, digits and `_ - . :`, starting with a
 *   letter or digit (e.g. `campaign:spring-26`), no repeats. Refused rather than rewritten, so
 *   what is grouped by is exactly what was sent.
 * - metadata: a JSON object (not an array or a scalar), at most METADATA_MAX_BYTES bytes as
 *   compact JSON (UTF-8) and at most METADATA_MAX_DEPTH levels deep.
 */
export const TAGS_MAX_COUNT = 10;
export const TAG_MAX_LENGTH = 40;
export const TAG_PATTERN = /^[a-z0-9][a-z0-9_.:-]*$/;
export const TAG_RULE = `1 to ${TAG_MAX_LENGTH} characters of a-z, 0-9, "_", "-", ".", ":", starting with a letter or digit`;
export const METADATA_MAX_BYTES = 2_048;
export const METADATA_MAX_DEPTH = 5;

export type Metadata = Record<string, unknown>;

/** Why these tags are refused, or null when they are fine. `limit`: room left (a batch's tags use some). */
export function tagsProblem(tags: readonly string[], limit = TAGS_MAX_COUNT): string | null {
  if (tags.length > limit) {
    return limit === TAGS_MAX_COUNT
      ? `at most ${TAGS_MAX_COUNT} tags`
      : `at most ${TAGS_MAX_COUNT} tags together with the batch's ${TAGS_MAX_COUNT - limit}`;
  }
  for (const tag of tags) {
    if (tag.length === 0 || tag.length > TAG_MAX_LENGTH || !TAG_PATTERN.test(tag)) {
      return `each tag must be ${TAG_RULE}; ${JSON.stringify(tag.slice(0, TAG_MAX_LENGTH + 1))} is not`;
    }
  }
  const seen = new Set<string>();
  for (const tag of tags) {
    if (seen.has(tag)) return `must not repeat a tag (${tag})`;
    seen.add(tag);
  }
  return null;
}

/** The metadata as stored (compact JSON text), or why it is refused. */
export function checkMetadata(value: unknown): { json: string | null } | { problem: string } {
  if (value === null || value === undefined) return { json: null };
  if (typeof value !== "object" || Array.isArray(value)) return { problem: "must be a JSON object" };
  if (depth(value) > METADATA_MAX_DEPTH) return { problem: `must be at most ${METADATA_MAX_DEPTH} levels deep` };
  const json = JSON.stringify(value);
  if (Buffer.byteLength(json, "utf8") > METADATA_MAX_BYTES) {
    return { problem: `must be at most ${METADATA_MAX_BYTES} bytes as JSON (this is ${Buffer.byteLength(json, "utf8")})` };
  }
  return { json };
}

function depth(value: unknown, level = 1): number {
  if (level > METADATA_MAX_DEPTH) return level; // deep enough to refuse; stop walking
  if (value === null || typeof value !== "object") return level - 1;
  const children = Array.isArray(value) ? value : Object.values(value);
  return children.reduce<number>((deepest, child) => Math.max(deepest, depth(child, level + 1)), level);
}

/** Stored tags (JSON text) as a list. */
export function parseTags(stored: string | null | undefined): string[] {
  if (!stored) return [];
  const parsed = JSON.parse(stored) as unknown;
  return Array.isArray(parsed) ? parsed.filter((tag): tag is string => typeof tag === "string") : [];
}

/** Stored metadata (JSON text) as an object, or null. */
export function parseMetadata(stored: string | null | undefined): Metadata | null {
  return stored ? (JSON.parse(stored) as Metadata) : null;
}

/** JSON with object keys sorted: the same metadata in another key order fingerprints the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}
