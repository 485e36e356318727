import type { Plugin } from "graphql-yoga";
import type { Logger } from "../logger";
import { requestIdFor } from "./request-id";

/**
 * The last line of defence: an error that escapes everything else (a route's handler, a
 * store's fault) becomes a JSON 500 carrying only the request id, and is logged with its
 * stack under that id. Without it the server adapter answers with the error's stack (file
 * paths, node_modules) as the body. GraphQL operations never get here: yoga masks their
 * errors itself (createGateway's `maskedErrors`).
 */
export function internalErrorResponse(
  request: Request,
  error: unknown,
  logger: Logger,
  fetchAPI: { Response: typeof Response },
): Response {
  const requestId = requestIdFor(request);
  logger.error("unexpected error outside a GraphQL operation", {
    requestId,
    method: request.method,
    path: safePath(request.url),
    error,
  });
  const body = JSON.stringify({
    errors: [{ message: "Unexpected error.", extensions: { code: "INTERNAL_SERVER_ERROR", requestId } }],
  });
  return new fetchAPI.Response(body, {
    status: 500,
    headers: { "content-type": "application/json; charset=utf-8", "x-request-id": requestId },
  });
}

/** Wraps whatever request handler is chosen (yoga's, by default) in the safety net. */
export function safetyNet(logger: Logger): Plugin {
  return {
    onRequest({ requestHandler, setRequestHandler, fetchAPI }) {
      setRequestHandler(async (request, serverContext) => {
        try {
          return await requestHandler(request, serverContext);
        } catch (error) {
          return internalErrorResponse(request, error, logger, fetchAPI);
        }
      });
    },
  };
}

/**
 * A plugin whose onRequest answers requests itself (the media route) under the same net: a
 * throw there would otherwise reach the server adapter, which answers with the stack.
 */
export function guardedOnRequest(plugin: Plugin, logger: Logger): Plugin {
  const onRequest = plugin.onRequest;
  if (!onRequest) return plugin;
  return {
    ...plugin,
    async onRequest(payload) {
      try {
        await onRequest(payload);
      } catch (error) {
        payload.endResponse(internalErrorResponse(payload.request, error, logger, payload.fetchAPI));
      }
    },
  };
}

function safePath(url: string): string {
  try {
    return new URL(url).pathname.slice(0, 200);
  } catch {
    return "(unparsable)";
  }
}
