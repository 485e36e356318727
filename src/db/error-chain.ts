/**
 * Prisma wraps driver errors (a DriverAdapterError in `meta.driverAdapterError`, the driver's
 * own error in `cause`, GraphQL's in `originalError`): true when `test` holds for the error
 * or any error it wraps. Each is visited once, so a cycle ends.
 */
export function someErrorInChain(error: unknown, test: (value: Record<string, unknown>, code: string | undefined) => boolean): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const current = queue.shift();
    if (typeof current !== "object" || current === null || seen.has(current)) continue;
    seen.add(current);
    const value = current as Record<string, unknown>;
    if (test(value, typeof value.code === "string" ? value.code : undefined)) return true;
    const meta = value.meta as Record<string, unknown> | undefined;
    queue.push(value.cause, meta?.driverAdapterError, value.originalError);
  }
  return false;
}

/**
 * A unique index refused the row: P2002 from a model query, or the driver's
 * UniqueConstraintViolation under a raw statement's P2010 (src/db/insert-rows.ts).
 */
export function isUniqueViolation(error: unknown): boolean {
  return someErrorInChain(error, (value, code) => code === "P2002" || (value.cause as { kind?: unknown } | undefined)?.kind === "UniqueConstraintViolation");
}
