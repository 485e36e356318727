import { GraphQLError } from "graphql";
import { someErrorInChain } from "./error-chain";

/**
 * Recognises "the database is not there right now" among the errors Prisma and its driver
 * adapters throw, so a client is told that plainly (and may retry) instead of getting the
 * generic masked error. Seen in practice:
 * - SQLite: another process holds the write lock past the busy timeout: P1008 with the
 *   adapter's cause `{ kind: "SocketTimeout", originalMessage: "database is locked" }`.
 * - PostgreSQL: the server restarted or the database refuses connections: a DriverAdapterError
 *   whose cause is `{ kind: "postgres", code: "57P01" | "55000" (FATAL) | 08xxx ... }`, or a
 *   socket error (ECONNREFUSED, "Connection terminated unexpectedly").
 */
const PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024"]);
const ADAPTER_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);
// PostgreSQL SQLSTATEs: connection exceptions, shutdowns, too many connections, and 55000 with
// FATAL severity (ALLOW_CONNECTIONS false: "database is not currently accepting connections").
const POSTGRES_STATES = /^(08...|57P0[1-3]|53300)$/;
const NODE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENOTFOUND", "SQLITE_BUSY"]);
const MESSAGES = /database is locked|Connection terminated|timeout exceeded when trying to connect|not currently accepting connections|the database system is (starting up|shutting down)|Can't reach database server/i;

export function isDatabaseUnavailable(error: unknown): boolean {
  return someErrorInChain(error, (value, code) => {
    if (code && (PRISMA_CODES.has(code) || NODE_CODES.has(code) || POSTGRES_STATES.test(code))) return true;
    if (code === "55000" && value.severity === "FATAL") return true;
    if (typeof value.kind === "string" && ADAPTER_KINDS.has(value.kind)) return true;
    return [value.message, value.originalMessage].some((text) => typeof text === "string" && MESSAGES.test(text));
  });
}

export const DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE";

/** What a client sees instead of the masked error (the log keeps the detail). */
export function databaseUnavailableError(): GraphQLError {
  return new GraphQLError("The gateway's database is unavailable right now; try again shortly.", {
    extensions: { code: DATABASE_UNAVAILABLE },
  });
}
