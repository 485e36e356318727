import type { Plugin } from "graphql-yoga";
import type { Logger } from "../logger";

/**
 * Cross-origin browsers. yoga's own CORS (configured by `corsOptions`) answers the origins the
 * operator listed in CORS_ORIGINS; `corsRefusal` answers everyone else, so a developer whose
 * page runs on another origin learns what to change instead of reading "GraphQL only supports
 * GET and POST requests" (yoga's answer to a preflight when CORS is off).
 */

/**
 * yoga's default reflects any origin with credentials, and its plugin treats an empty list
 * as "allow all": a gateway that spends money must answer cross-origin only to origins the
 * operator named. Credentials stay off: clients authenticate with headers, not cookies.
 */
export function corsOptions(origins: readonly string[]) {
  if (origins.length === 0) return false as const;
  return {
    origin: [...origins],
    credentials: false,
    methods: ["GET", "POST"],
    allowedHeaders: ["content-type", "accept", "authorization", "x-request-id"],
    exposedHeaders: ["x-request-id"],
    maxAge: 600,
  };
}

/** The machine-readable code of the refusal (`extensions.code`). */
export const CORS_REFUSED = "CORS_ORIGIN_NOT_ALLOWED";

/** Refused origins are logged at most once per this interval each (a page can send many). */
const LOG_EVERY_MS = 60_000;

/**
 * Answers a request from a browser page on another origin that CORS_ORIGINS does not list
 * with 403 and a message naming CORS_ORIGINS, before anything runs, and logs it. A preflight
 * (OPTIONS) gets the same answer, so the browser's network panel shows why. Requests without
 * an Origin header (servers, curl, navigations) and same-origin ones are not affected.
 */
export function corsRefusal(options: { origins: readonly string[]; publicUrl: string; logger: Logger }): Plugin {
  const allowed = new Set(options.origins);
  const publicOrigin = new URL(options.publicUrl).origin;
  const lastLogged = new Map<string, number>();

  const refusedOrigin = (request: Request): string | null => {
    const origin = request.headers.get("origin");
    if (origin === null || allowed.has(origin)) return null;
    // Set by the browser itself (a page cannot forge it): same-origin, whatever the Host says.
    if (request.headers.get("sec-fetch-site") === "same-origin") return null;
    if (origin === publicOrigin || origin === new URL(request.url).origin) return null;
    return origin;
  };

  const log = (origin: string, request: Request) => {
    const now = Date.now();
    if (now - (lastLogged.get(origin) ?? 0) < LOG_EVERY_MS) return;
    if (lastLogged.size >= 1_000) lastLogged.clear();
    lastLogged.set(origin, now);
    options.logger.warn("refused a cross-origin request: its origin is not in CORS_ORIGINS", {
      origin,
      method: request.method,
      path: new URL(request.url).pathname,
      corsOrigins: options.origins.length > 0 ? options.origins : "(none: same-origin only)",
      hint: `to allow it, add ${origin} to CORS_ORIGINS (comma-separated origins); repeats from this origin are not logged for ${LOG_EVERY_MS / 1000} s`,
    });
  };

  const refusal = (origin: string, fetchAPI: { Response: typeof Response }) => {
    const listed = options.origins.length > 0 ? "does not list it" : "is empty, so only the gateway's own origin is served";
    const message =
      `Cross-origin request from ${origin} refused: browsers may call this gateway only from ${publicOrigin} ` +
      `or an origin listed in CORS_ORIGINS, which ${listed}. An operator can allow it by starting the gateway ` +
      `with CORS_ORIGINS=${origin} (comma-separated origins; never "*").`;
    return new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code: CORS_REFUSED } }] }), {
      status: 403,
      headers: { "content-type": "application/json; charset=utf-8", vary: "Origin" },
    });
  };

  return {
    onRequest({ request, fetchAPI, endResponse }) {
      const origin = refusedOrigin(request);
      if (origin !== null) endResponse(refusal(origin, fetchAPI));
    },
    // With CORS_ORIGINS set, yoga's CORS plugin answers every preflight before this plugin's
    // onRequest runs; the refusal replaces its answer to an origin it does not list.
    onResponse({ request, response, setResponse, fetchAPI }) {
      const origin = refusedOrigin(request);
      if (origin === null) return;
      log(origin, request);
      if (response.status !== 403) setResponse(refusal(origin, fetchAPI));
    },
  };
}
