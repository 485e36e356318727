import { randomUUID } from "node:crypto";
import type { Plugin } from "graphql-yoga";

const requestIds = new WeakMap<Request, string>();
// A client-supplied id is kept only if it is short and plain, so it cannot forge log lines.
const ACCEPTABLE_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The id that ties a request's response header to its log lines. */
export function requestIdFor(request: Request): string {
  let id = requestIds.get(request);
  if (!id) {
    const offered = request.headers.get("x-request-id");
    id = offered && ACCEPTABLE_ID.test(offered) ? offered : randomUUID();
    requestIds.set(request, id);
  }
  return id;
}

/** Every response carries its request's id (x-request-id), the one its log lines carry. */
export function requestIdHeader(): Plugin {
  return {
    onResponse({ request, response }) {
      response.headers.set("x-request-id", requestIdFor(request));
    },
  };
}
