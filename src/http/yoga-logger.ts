import { GraphQLError } from "graphql";
import type { Logger } from "../logger";

/**
 * Yoga's own log lines go through ours. A GraphQLError it logs is the client's mistake
 * (bad variables, bad query), not ours: debug, not error.
 */
export function yogaLogger(logger: Logger) {
  const fields = (args: unknown[]) => (args.length > 0 ? { detail: args } : undefined);
  return {
    debug: (...args: unknown[]) => logger.debug("yoga", fields(args)),
    info: (...args: unknown[]) => logger.info("yoga", fields(args)),
    warn: (...args: unknown[]) => logger.warn("yoga", fields(args)),
    error: (...args: unknown[]) =>
      args.every((arg) => arg instanceof GraphQLError)
        ? logger.debug("client error", fields(args))
        : logger.error("yoga", fields(args)),
  };
}
