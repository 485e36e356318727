import { randomBytes } from "node:crypto";

let lastMillis = -1;
let sequence = 0;

/**
 * UUIDv7 (RFC 9562): 48-bit millisecond timestamp, then a 12-bit sequence so ids minted in
 * the same millisecond by this process still sort in creation order. Sorting by id is then
 * sorting by creation time, which makes "newest first" paging a plain index scan.
 */
export function uuidv7(now: Date = new Date()): string {
  let millis = now.getTime();
  if (millis <= lastMillis) {
    millis = lastMillis;
    sequence += 1;
    if (sequence > 0xfff) {
      // Sequence exhausted within one millisecond: borrow the next one.
      millis += 1;
      sequence = 0;
    }
  } else {
    sequence = 0;
  }
  lastMillis = millis;

  const bytes = randomSixteen();
  bytes.writeUIntBE(millis, 0, 6);
  bytes[6] = 0x70 | (sequence >> 8);
  bytes[7] = sequence & 0xff;
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * 16 random bytes, each handed out once, from a pool filled 256 ids at a time (as node's own
 * randomUUID buffers its entropy): one call into OpenSSL per 256 ids instead of one per id.
 */
const POOL_BYTES = 16 * 256;
let pool = Buffer.alloc(0);
let taken = POOL_BYTES;
function randomSixteen(): Buffer {
  if (taken + 16 > pool.length) {
    pool = randomBytes(POOL_BYTES);
    taken = 0;
  }
  taken += 16;
  return pool.subarray(taken - 16, taken);
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}
