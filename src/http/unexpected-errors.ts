// Expected failures reach clients as typed results or GraphQL errors of our own; anything else
// is masked to one generic message and logged with the request id the client sees.
import { GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { GatewayContext } from "../context";
import { databaseUnavailableError, isDatabaseUnavailable } from "../db/unavailable";
import type { Logger } from "../logger";

/** yoga's maskedErrors.maskError: what a client is told of an error. */
export function maskUnexpectedError(error: unknown, message: string): Error {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (error instanceof GraphQLError && !original) return error;
  if (original instanceof GraphQLError) return original;
  // Said plainly (no internals): the client should retry; nothing it sent was wrong.
  if (isDatabaseUnavailable(original)) return databaseUnavailableError();
  // Where it happened (path, locations) helps the client and reveals nothing;
  // what went wrong stays in the log.
  const where = error instanceof GraphQLError ? { nodes: error.nodes, path: error.path } : {};
  return new GraphQLError(message, { ...where, extensions: { code: "INTERNAL_SERVER_ERROR" } });
}

/** Logs every error that was not an expected GraphQL error, with the request id clients see. */
export function unexpectedErrorLog(logger: Logger): Plugin<GatewayContext> {
  return {
    onExecute({ args }) {
      return {
        onExecuteDone({ result }) {
          if (!("errors" in result) || !result.errors) return;
          for (const error of result.errors) {
            const original = error.originalError;
            if (original && !(original instanceof GraphQLError)) {
              logger.error("unexpected error in a GraphQL operation", {
                requestId: args.contextValue.requestId,
                operationName: args.operationName ?? undefined,
                path: error.path,
                error: original,
              });
            }
          }
        },
      };
    },
  };
}
