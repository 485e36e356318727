import type { Duration, Resolution } from "./status";
import { DURATIONS, RESOLUTIONS } from "./status";
import { type Metadata, checkMetadata, tagsProblem } from "./labels";
import { unsafeHostProblem } from "./url-safety";

/**
 * Input rules, checked before anything is stored or sent. They mirror what Segmind documents
 * for the Seedance slug; where Segmind is silent we pick a limit and say so here.
 */
export const PROMPT_MAX_LENGTH = 2_000; // Segmind documents none; ByteDance's own API caps prompts near this.
export const IMAGE_URL_MAX_LENGTH = 2_048; // the de-facto URL limit of browsers and CDNs
export const SEED_MIN = 1;
export const SEED_MAX = 999_999; // Segmind's documented seed range for this slug
export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;

export interface GenerateVideoRequest {
  prompt: string;
  imageUrl: string;
  duration: number;
  resolution: Resolution;
  seed?: number | null;
  cameraFixed?: boolean | null;
  idempotencyKey?: string | null;
  /** After this instant the gateway stops working on it (EXPIRED). */
  deadline?: Date | null;
  /** The client's labels (labels.ts): grouped by in spending, filterable. */
  tags?: readonly string[] | null;
  /** A small JSON object kept with the generation (labels.ts). */
  metadata?: unknown;
}

export interface ValidGenerateVideoRequest {
  prompt: string;
  imageUrl: string;
  duration: Duration;
  resolution: Resolution;
  /** null: the gateway draws one. */
  seed: number | null;
  cameraFixed: boolean;
  idempotencyKey: string | null;
  deadline: Date | null;
  tags: string[];
  /** The metadata as stored (compact JSON text); null when none. */
  metadataJson: string | null;
  metadata: Metadata | null;
}

export interface FieldProblem {
  field: string;
  message: string;
  /** generateVideos: the item (0-based) the field belongs to; absent for the batch's own fields. */
  itemIndex?: number;
}

export class InvalidInputError extends Error {
  override readonly name = "InvalidInputError";
  readonly code = "INVALID_INPUT";
  constructor(readonly fields: FieldProblem[]) {
    super(`Invalid input: ${fields.map((problem) => `${fieldPath(problem)}: ${problem.message}`).join("; ")}`);
  }
}

/** `prompt`, or `items[3].prompt` for a batch's item. */
function fieldPath(problem: FieldProblem): string {
  return problem.itemIndex === undefined ? problem.field : `items[${problem.itemIndex}].${problem.field}`;
}

/** Why `duration` is not a length Seedance makes; null when it is one. */
export function durationProblem(duration: number): string | null {
  return (DURATIONS as readonly number[]).includes(duration) ? null : `must be one of ${DURATIONS.join(", ")} (seconds)`;
}

export function validateGenerateVideo(input: GenerateVideoRequest, now: Date = new Date()): ValidGenerateVideoRequest {
  const problems: FieldProblem[] = [];
  const problem = (field: string, message: string) => problems.push({ field, message });

  const prompt = input.prompt.trim();
  if (prompt.length === 0) problem("prompt", "must not be empty or only whitespace");
  else if ([...prompt].length > PROMPT_MAX_LENGTH)
    problem("prompt", `must be at most ${PROMPT_MAX_LENGTH} characters`);

  const checkedUrl = checkImageUrl(input.imageUrl.trim());
  if ("problem" in checkedUrl) problem("imageUrl", checkedUrl.problem);
  // What is validated is what is stored and sent: the parsed URL's serialisation.
  const imageUrl = "url" in checkedUrl ? checkedUrl.url : "";

  const durationIssue = durationProblem(input.duration);
  if (durationIssue) problem("duration", durationIssue);

  if (!(RESOLUTIONS as readonly string[]).includes(input.resolution))
    problem("resolution", `must be one of ${RESOLUTIONS.join(", ")}`);

  const seed = input.seed ?? null;
  if (seed !== null && (!Number.isInteger(seed) || seed < SEED_MIN || seed > SEED_MAX))
    problem("seed", `must be an integer from ${SEED_MIN} to ${SEED_MAX}`);

  const idempotencyKey = input.idempotencyKey ?? null;
  const keyIssue = idempotencyKey === null ? null : idempotencyKeyProblem(idempotencyKey);
  if (keyIssue) problem("idempotencyKey", keyIssue);

  const deadline = input.deadline ?? null;
  if (deadline !== null && !(deadline.getTime() > now.getTime())) problem("deadline", "must be in the future");

  const tags = [...(input.tags ?? [])];
  const tagsIssue = tagsProblem(tags);
  if (tagsIssue) problem("tags", tagsIssue);

  const metadata = checkMetadata(input.metadata);
  if ("problem" in metadata) problem("metadata", metadata.problem);

  if (problems.length > 0) throw new InvalidInputError(problems);
  return {
    prompt,
    imageUrl,
    duration: input.duration as Duration,
    resolution: input.resolution,
    seed,
    cameraFixed: input.cameraFixed ?? false,
    idempotencyKey,
    deadline,
    tags,
    metadataJson: "json" in metadata ? metadata.json : null,
    metadata: "json" in metadata && metadata.json !== null ? (input.metadata as Metadata) : null,
  };
}

/** Why an idempotency key is refused, or null: 1 to 255 printable ASCII characters, no spaces. */
export function idempotencyKeyProblem(key: string): string | null {
  if (key.length === 0 || key.length > IDEMPOTENCY_KEY_MAX_LENGTH) return `must be 1 to ${IDEMPOTENCY_KEY_MAX_LENGTH} characters`;
  if (!/^[\x21-\x7e]+$/.test(key)) return "must be printable ASCII without spaces";
  return null;
}

/**
 * The first frame's URL as it will be stored and sent, or why it is refused.
 *
 * Segmind (curl, Python) and the WHATWG parser we validate with do not always read the same
 * host out of one string: `http://example.com\@127.0.0.1/` is example.com to WHATWG but
 * 127.0.0.1 to curl and urlsplit, which treat the backslash as part of userinfo. So what is
 * sent is never the client's text but the WHATWG serialisation of the URL we validated
 * (`url.href`): canonical, percent-encoded, no backslashes, spaces, userinfo or odd host
 * spellings, so every RFC 3986 parser reads the host we checked. On top of that, inputs whose
 * only purpose is to be read two ways are refused outright rather than quietly rewritten into
 * a URL the client did not mean: backslashes, control characters (tabs, newlines), userinfo.
 */
function checkImageUrl(value: string): { url: string } | { problem: string } {
  return checkHttpUrl(value, { maxLength: IMAGE_URL_MAX_LENGTH, allowPrivate: false });
}

/**
 * The rules above for any URL the gateway itself or Segmind will fetch (first frames, webhook
 * endpoints): the normalised URL, or why it is refused. `allowPrivate` skips only the host
 * rule (loopback and private targets, for development: WEBHOOK_ALLOW_PRIVATE_TARGETS).
 */
export function checkHttpUrl(
  value: string,
  options: { maxLength: number; allowPrivate: boolean },
): { url: string } | { problem: string } {
  const problem = (text: string) => ({ problem: text });
  if (value.length === 0) return problem("must not be empty");
  if (value.length > options.maxLength) return problem(`must be at most ${options.maxLength} characters`);
  // The URL parser would drop a tab or newline and percent-encode other controls; the text as
  // given must already be a clean URL.
  if (/[\u0000-\u001f\u007f-\u009f]/.test(value)) return problem("must not contain control characters");
  if (value.includes("\\")) return problem("must not contain a backslash (parsers disagree on what it means)");
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return problem("must be an absolute http(s) URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return problem("must use http or https");
  if (url.hostname.length === 0) return problem("must name a host");
  // Any "@" before the host, even with empty credentials (`http://@host/`, `http://:@host/`).
  if (url.username || url.password || /^[a-z][a-z0-9+.-]*:\/*[^/?#]*@/i.test(value)) {
    return problem("must not contain credentials (user information before an @)");
  }
  if (url.href.length > options.maxLength) return problem(`must be at most ${options.maxLength} characters once normalised`);
  // Segmind (or the gateway) fetches this URL: refuse the obvious server-side request forgery targets.
  const unsafe = options.allowPrivate ? null : unsafeHostProblem(url);
  return unsafe ? problem(unsafe) : { url: url.href };
}
