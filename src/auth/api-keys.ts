import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Client API keys look like `sgw_live_3kq9x7m2_<32 chars>`: a fixed marker (so a leaked key
 * is recognisable by secret scanners), a readable prefix that identifies the key to an
 * operator (stored in clear, shown in lists), and the secret. Only a SHA-256 of the whole
 * key is stored: keys are 190 bits of randomness, so a slow password hash would add nothing
 * but latency to every request.
 */
export const KEY_MARKER = "sgw_live_";
const PREFIX_LENGTH = 8;
const SECRET_LENGTH = 32;
const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";
const KEY_PATTERN = new RegExp(`^${KEY_MARKER}([0-9a-z]{${PREFIX_LENGTH}})_([0-9A-Za-z]{${SECRET_LENGTH}})$`);

export interface MintedKey {
  /** Shown once, to the one who created it. */
  key: string;
  prefix: string;
  hash: string;
}

export function mintApiKey(): MintedKey {
  const prefix = randomString(PREFIX_LENGTH, ALPHABET);
  const secret = randomString(SECRET_LENGTH, `${ALPHABET}ABCDEFGHIJKLMNOPQRSTUVWXYZ`);
  const key = `${KEY_MARKER}${prefix}_${secret}`;
  return { key, prefix, hash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** The prefix of a well-formed key, or null: malformed keys are refused before any lookup. */
export function keyPrefix(key: string): string | null {
  return KEY_PATTERN.exec(key)?.[1] ?? null;
}

/** Constant-time comparison of a presented key with a stored hash. */
export function keyMatches(key: string, storedHash: string): boolean {
  const presented = Buffer.from(hashApiKey(key), "hex");
  const stored = Buffer.from(storedHash, "hex");
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

function randomString(length: number, alphabet: string): string {
  // Rejection sampling keeps every character uniformly likely.
  const limit = 256 - (256 % alphabet.length);
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < limit && out.length < length) out += alphabet[byte % alphabet.length];
    }
  }
  return out;
}
