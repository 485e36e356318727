/**
 * What to send for a `Range` header (RFC 9110 §14), for a representation of `size` bytes.
 *
 * - "whole": no Range, or one we are allowed to ignore: not `bytes`, malformed, or asking for
 *   more than one range. Multi-range answers would need multipart/byteranges; RFC 9110 lets a
 *   server ignore Range instead, and media players only ever ask for one range.
 * - "partial": one satisfiable range, clamped to the representation: `start`/`end` inclusive.
 * - "unsatisfiable": one well-formed range lying wholly past the end (416).
 */
export type ByteRangeChoice =
  | { kind: "whole" }
  | { kind: "partial"; start: number; end: number }
  | { kind: "unsatisfiable" };

const WHOLE: ByteRangeChoice = { kind: "whole" };
const UNSATISFIABLE: ByteRangeChoice = { kind: "unsatisfiable" };

export function chooseByteRange(rangeHeader: string | null, size: number): ByteRangeChoice {
  if (rangeHeader === null) return WHOLE;
  const ranges = /^\s*bytes\s*=(.*)$/i.exec(rangeHeader)?.[1];
  if (ranges === undefined) return WHOLE;
  // The grammar allows empty list elements ("bytes=, 0-1"); they don't count as ranges.
  const specs = ranges.split(",").map((spec) => spec.trim()).filter((spec) => spec !== "");
  if (specs.length !== 1) return WHOLE;

  const match = /^(\d*)-(\d*)$/.exec(specs[0]!);
  if (!match) return WHOLE;
  const [, first = "", last = ""] = match;

  if (first === "") {
    // Suffix range "-n": the last n bytes.
    if (last === "") return WHOLE;
    const suffixLength = Number(last);
    if (suffixLength === 0 || size === 0) return UNSATISFIABLE;
    return { kind: "partial", start: Math.max(0, size - suffixLength), end: size - 1 };
  }

  const start = Number(first);
  const requestedEnd = last === "" ? Infinity : Number(last);
  if (requestedEnd < start) return WHOLE; // "5-2" is invalid syntax, so ignorable
  if (start >= size) return UNSATISFIABLE;
  return { kind: "partial", start, end: Math.min(requestedEnd, size - 1) };
}

/**
 * The one check every store's `read(key, range)` makes: both ends safe integers, inclusive,
 * start <= end. Thrown synchronously, before any I/O.
 */
export function assertInclusiveRange(range: { start: number; end: number }): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new RangeError(`Invalid byte range ${start}-${end}`);
  }
}
