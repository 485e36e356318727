// UUIDv7 ids (src/ids.ts): version and variant bits, creation order within one millisecond,
// and random bits that are never handed out twice (they come from a pool refilled every 256 ids).
import { expect, it } from "vitest";
import { isUuid, uuidv7 } from "../src/ids";

it("mints RFC 9562 version 7 ids that sort in creation order, even within one millisecond", () => {
  const at = new Date("2026-11-30T18:00:00.000Z");
  const ids = Array.from({ length: 1_000 }, () => uuidv7(at));
  for (const id of ids) {
    expect(isUuid(id)).toBe(true);
    expect(id[14]).toBe("7");
    expect(["8", "9", "a", "b"]).toContain(id[19]);
    // The first 48 bits are the millisecond (borrowed forward once its 4,096 sequence values are used).
    expect(Number.parseInt(id.replace(/-/g, "").slice(0, 12), 16)).toBeGreaterThanOrEqual(at.getTime());
  }
  expect([...ids].sort()).toEqual(ids);
  expect(new Set(ids).size).toBe(ids.length);
});

it("gives every id its own random bits, across refills of the pool they are taken from", () => {
  // The last 62 bits are random only (after the variant bits): 1,000 ids span four refills.
  const tails = Array.from({ length: 1_000 }, () => uuidv7().replace(/-/g, "").slice(17));
  expect(new Set(tails).size).toBe(tails.length);
  // Not all zero or constant per pool: the bytes vary within each id too.
  expect(new Set(tails.map((tail) => tail.slice(0, 4))).size).toBeGreaterThan(900);
});
