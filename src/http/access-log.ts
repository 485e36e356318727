import type { Plugin } from "graphql-yoga";
import type { Logger } from "../logger";
import { HEALTH_PATHS } from "./health";
import { elapsedMs, loggablePath, requestFacts } from "./request-facts";
import { requestIdFor } from "./request-id";

/**
 * One JSON line per HTTP request, written when the response starts (for a subscription's
 * event stream: when the stream opens), and a `Server-Timing: gateway;dur=<ms>` header with
 * the time the gateway spent on it up to then. The line carries the request id (the
 * client's well-formed `x-request-id` or one of ours), method, path (a video's key left
 * out), status, duration, GraphQL operation name and type, team id, key prefix and the codes
 * of the errors answered; never a key, a prompt, variables or a Segmind body.
 */
const QUIET_PATHS: ReadonlySet<string> = new Set([HEALTH_PATHS.liveness, HEALTH_PATHS.readiness, "/metrics"]);

export function accessLog(logger: Logger): Plugin {
  return {
    onResponse({ request, response }) {
      try {
        const durationMs = Math.round(elapsedMs(request) * 10) / 10;
        response.headers.set("server-timing", `gateway;dur=${durationMs}`);
        const facts = requestFacts(request);
        const fields = {
          requestId: requestIdFor(request),
          method: request.method,
          path: loggablePath(request.url),
          status: response.status,
          durationMs,
          operationName: facts.operationName,
          operationType: facts.operationType,
          teamId: facts.teamId,
          keyPrefix: facts.keyPrefix,
          ...(facts.errorCodes.length > 0 ? { errorCodes: facts.errorCodes.slice(0, 10) } : {}),
        };
        if (response.status >= 500) logger.warn("request", fields);
        // Probes and scrapes come every few seconds: logged at debug while they succeed.
        else if (QUIET_PATHS.has(fields.path) && response.status < 400) logger.debug("request", fields);
        else logger.info("request", fields);
      } catch {
        // A log line must never cost the client its answer.
      }
    },
  };
}
