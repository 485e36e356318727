import type { IncomingMessage, ServerResponse } from "node:http";
import { SEEDANCE_SLUG } from "../segmind/types";
import { type FaultKind, type FaultQueue, type FaultRoute, isDeliveryFault } from "./faults";
import * as handlers from "./handlers";
import type { SandboxContext } from "./handlers";
import type { MinuteRateLimiter } from "./rate-limit";
import { type Reply, deliver, errorReply, jsonReply, methodNotAllowedReply } from "./reply";

/**
 * The request pipeline, in the order Segmind's gateway appears to apply it: route and verb,
 * injected fault, key, rate limit, content type, JSON body, model slug, then the endpoint.
 */

type RouteName = "submit" | "status" | "legacyPoll" | "result" | "sync" | "credits" | "download";

interface MatchedRoute {
  name: RouteName;
  method: "GET" | "POST";
  /** Request id, or the model slug for submit/sync. */
  param: string;
}

const FAULT_ROUTE: Record<RouteName, FaultRoute> = {
  submit: "submit",
  status: "status",
  legacyPoll: "status",
  result: "result",
  sync: "sync",
  credits: "credits",
  download: "download",
};

const MISSING_KEY = "Missing Authorization or x-api-key in header";
const INVALID_KEY =
  "Unauthorized. API key is invalid or may have expired. Please check your API key at https://cloud.segmind.com/console/api-keys";
const MAX_BODY_BYTES = 1024 * 1024;

export interface RouterDeps {
  ctx: SandboxContext;
  apiKey: string;
  faults: FaultQueue;
  rateLimiter: MinuteRateLimiter;
  /** Aborted when the stand-in closes, to end pending sync generations. */
  closing: AbortSignal;
}

export function createRequestHandler(deps: RouterDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(deps, req, res).catch((error: unknown) => {
      console.error("sandbox: request failed:", error);
      if (res.headersSent) res.destroy();
      else deliver(res, errorReply(500, "Internal server error"));
    });
  };
}

async function handle(deps: RouterDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const route = matchRoute(new URL(req.url ?? "/", "http://sandbox").pathname);
  if (!route) return deliver(res, errorReply(404, "Not Found"));
  if (req.method !== route.method) return deliver(res, methodNotAllowedReply());
  countRequest(deps.ctx, route.name);
  // Read the whole body first, so a dropped connection drops after the request was sent.
  const rawBody = route.method === "POST" ? await readBody(req) : Buffer.alloc(0);

  const fault = deps.faults.take(FAULT_ROUTE[route.name]);
  if (fault === "hang") return; // close() destroys the socket
  if (fault === "drop") {
    req.socket.destroy();
    return;
  }
  if (fault !== undefined && !isDeliveryFault(fault)) return deliver(res, injectedReply(fault));

  const reply = await answer(deps, req, res, route, rawBody);
  if (reply) deliver(res, reply, fault);
}

/** The normal answer; undefined when there is nobody left to answer (client gone, closing). */
async function answer(
  deps: RouterDeps,
  req: IncomingMessage,
  res: ServerResponse,
  route: MatchedRoute,
  rawBody: Buffer,
): Promise<Reply | undefined> {
  const { ctx } = deps;
  if (route.name !== "download") {
    const refusal = checkKey(req, deps.apiKey) ?? checkRateLimit(deps.rateLimiter);
    if (refusal) return refusal;
  }
  if (route.method === "GET") return answerGet(ctx, route);

  if (!/^application\/json\s*(;|$)/i.test(req.headers["content-type"] ?? "")) return errorReply(406, "Invalid content type");
  if (rawBody.length > MAX_BODY_BYTES) return errorReply(400, "Request body too large");
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString("utf8"));
  } catch {
    return errorReply(400, "Invalid JSON in request body");
  }
  if (route.param !== SEEDANCE_SLUG) return errorReply(404, `Model ${route.param} not found`);
  if (route.name === "submit") return handlers.submit(ctx, body);
  return handlers.runSync(ctx, body, abandonedSignal(res, deps.closing));
}

function answerGet(ctx: SandboxContext, route: MatchedRoute): Reply {
  switch (route.name) {
    case "status":
    case "legacyPoll":
      return handlers.status(ctx, route.param);
    case "result":
      return handlers.result(ctx, route.param);
    case "credits":
      return handlers.credits(ctx);
    case "download":
      return handlers.download(ctx, route.param);
    default:
      throw new Error(`${route.name} is not a GET route`);
  }
}

function matchRoute(pathname: string): MatchedRoute | undefined {
  let parts: string[];
  try {
    parts = pathname.split("/").slice(1).map(decodeURIComponent);
  } catch {
    return undefined; // malformed percent-encoding
  }
  const [first, second, third, fourth] = parts;
  const size = parts.length;
  if (first === "v2" && second === "requests" && third && size === 4 && fourth === "status") {
    return { name: "status", method: "GET", param: third };
  }
  if (first === "v2" && second === "requests" && third && size === 3) return { name: "result", method: "GET", param: third };
  if (first === "v2" && second && size === 2) return { name: "submit", method: "POST", param: second };
  if (first === "v1" && second === "requests" && third && size === 3) return { name: "legacyPoll", method: "GET", param: third };
  if (first === "v1" && second === "get-user-credits" && size === 2) return { name: "credits", method: "GET", param: "" };
  if (first === "v1" && second && size === 2) return { name: "sync", method: "POST", param: second };
  if (first === "outputs" && second?.endsWith(".mp4") && size === 2) {
    return { name: "download", method: "GET", param: second.slice(0, -".mp4".length) };
  }
  return undefined;
}

function countRequest(ctx: SandboxContext, route: RouteName): void {
  const { stats } = ctx;
  if (route !== "download") {
    const minute = new Date(Math.floor(ctx.now() / 60_000) * 60_000).toISOString();
    stats.keyedRequestsPerMinute[minute] = (stats.keyedRequestsPerMinute[minute] ?? 0) + 1;
  }
  if (route === "submit") stats.submitAttempts += 1;
  else if (route === "sync") stats.syncRuns += 1;
  else if (route === "status" || route === "legacyPoll") stats.statusPolls += 1;
  else if (route === "result") stats.resultFetches += 1;
  else if (route === "credits") stats.creditReads += 1;
  else stats.downloads += 1;
}

function checkRateLimit(rateLimiter: MinuteRateLimiter): Reply | undefined {
  const limit = rateLimiter.admit();
  if (limit.admitted) return undefined;
  return errorReply(429, "Rate limit exceeded", { "x-rate-limit-reset-at-utc": limit.resetAt.toISOString() });
}

/** Segmind reads only `x-api-key`; a Bearer token alone counts as no key. */
function checkKey(req: IncomingMessage, apiKey: string): Reply | undefined {
  const key = req.headers["x-api-key"];
  if (key === undefined || key === "") return errorReply(401, MISSING_KEY);
  if (key !== apiKey) return errorReply(401, INVALID_KEY);
  return undefined;
}

function injectedReply(fault: Extract<FaultKind, { status: number }>): Reply {
  if (fault.body === undefined) {
    if (fault.status === 405) return methodNotAllowedReply();
    return jsonReply(fault.status, { error: `Injected fault: HTTP ${fault.status}` }, fault.headers);
  }
  return {
    status: fault.status,
    headers: { "content-type": fault.contentType ?? "application/json", ...fault.headers },
    body: Buffer.from(fault.body, "utf8"),
  };
}

/** Aborts when the client goes away before the answer, or when the stand-in closes. */
function abandonedSignal(res: ServerResponse, closing: AbortSignal): AbortSignal {
  const clientGone = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) clientGone.abort();
  });
  return AbortSignal.any([clientGone.signal, closing]);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    // Keep reading past the limit (so the client can finish sending) but stop storing.
    if (size <= MAX_BODY_BYTES + 1) chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
