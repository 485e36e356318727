import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";

/**
 * The gateway's node `request` listener: yoga's, behind a check of the request target.
 *
 * Node hands on the request target as it was sent, and yoga's server adapter builds the
 * request URL as `http://${Host}${target}`. An absolute-form target (`POST http://x/graphql
 * HTTP/1.1`, which RFC 9112 §3.2.2 says a server MUST accept) or a malformed Host header makes
 * that an invalid URL, and the adapter answers 500 with the TypeError's stack. Here an
 * absolute-form target is served as its path and query, its authority taking the place of
 * Host (as §3.2.2 says); anything that still makes no URL (authority-form, `*`, a Host with
 * spaces) gets a plain 400 before yoga sees it. src/server.ts and the test harness both use it.
 */
export function gatewayRequestListener(handler: RequestListener): RequestListener {
  return (request, response) => {
    if (!normaliseRequestTarget(request)) return badRequest(response);
    return handler(request, response);
  };
}

/** Rewrites an absolute-form target to origin-form; false when no URL can be made of it. */
export function normaliseRequestTarget(request: IncomingMessage): boolean {
  const target = request.url ?? "";
  if (!target.startsWith("/")) {
    let absolute: URL;
    try {
      absolute = new URL(target);
    } catch {
      return false;
    }
    if (absolute.protocol !== "http:" && absolute.protocol !== "https:") return false;
    request.url = `${absolute.pathname}${absolute.search}`;
    request.headers.host = absolute.host;
  }
  try {
    new URL(`http://${request.headers.host ?? "localhost"}${request.url}`);
    return true;
  } catch {
    return false;
  }
}

function badRequest(response: ServerResponse): void {
  const body = JSON.stringify({
    errors: [{ message: "Bad request target or Host header.", extensions: { code: "BAD_REQUEST" } }],
  });
  response.writeHead(400, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    connection: "close",
  });
  response.end(body);
}
