// Which database errors answer as a retryable BusyError (src/db/contention.ts): Prisma's codes,
// PostgreSQL's SQLSTATEs, and the driver adapter's own shapes, which transactions on the adapter
// (src/db/rows.ts) throw without Prisma's wrapping.
import { expect, it } from "vitest";
import { isContention } from "../../src/db/contention";
import { TransactionStartTimeout } from "../../src/db/rows";

/** What @prisma/driver-adapter-utils' DriverAdapterError looks like: the kind's fields as `cause`. */
function adapterError(cause: { kind: string } & Record<string, unknown>): Error {
  return Object.assign(new Error(typeof cause.message === "string" ? cause.message : cause.kind), { name: "DriverAdapterError", cause });
}

it("counts lock waits, deadlocks, write conflicts and a full pool as contention, on either path", () => {
  // Through Prisma.
  expect(isContention(Object.assign(new Error("Transaction API error"), { code: "P2028" }))).toBe(true);
  expect(isContention(Object.assign(new Error("write conflict"), { code: "P2034" }))).toBe(true);
  // On the adapter: adapter-pg maps 40001 to a kind with no code, and passes other states as "postgres".
  expect(isContention(adapterError({ kind: "TransactionWriteConflict" }))).toBe(true);
  expect(isContention(adapterError({ kind: "postgres", code: "40P01", severity: "ERROR", message: "deadlock detected" }))).toBe(true);
  expect(isContention(new TransactionStartTimeout(2_000))).toBe(true);
});

it("does not count other failures", () => {
  expect(isContention(adapterError({ kind: "UniqueConstraintViolation", constraint: { fields: ["idempotencyKey"] } }))).toBe(false);
  expect(isContention(adapterError({ kind: "ConnectionClosed" }))).toBe(false);
  expect(isContention(new Error("TableDoesNotExist"))).toBe(false);
});
