import { timingSafeEqual } from "node:crypto";
import type { Plugin } from "graphql-yoga";
import { MEDIA_ROUTE_PREFIX } from "../media/keys";
import type { GatewayMetrics } from "../observability/metrics";
import { HEALTH_PATHS } from "./health";
import { elapsedMs, requestFacts } from "./request-facts";

export const METRICS_PATH = "/metrics";

/**
 * `GET /metrics`: the gateway's Prometheus exposition (prom-client). With METRICS_TOKEN set it
 * needs `Authorization: Bearer <token>` (401 otherwise); without, anyone who reaches the port
 * may scrape, so keep it on an internal network.
 */
export function metricsRoute(metrics: GatewayMetrics, token: string | null): Plugin {
  const expected = token ? Buffer.from(`Bearer ${token}`) : null;
  const authorized = (header: string | null) => {
    if (!expected) return true;
    const given = Buffer.from(header ?? "");
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  return {
    async onRequest({ request, url, fetchAPI, endResponse }) {
      if (url.pathname !== METRICS_PATH) return;
      if (request.method !== "GET" && request.method !== "HEAD") {
        endResponse(new fetchAPI.Response(null, { status: 405, headers: { allow: "GET, HEAD" } }));
        return;
      }
      if (!authorized(request.headers.get("authorization"))) {
        endResponse(
          new fetchAPI.Response("Unauthorized: send Authorization: Bearer <METRICS_TOKEN>\n", {
            status: 401,
            headers: { "www-authenticate": 'Bearer realm="metrics"', "content-type": "text/plain; charset=utf-8" },
          }),
        );
        return;
      }
      const { contentType, body } = await metrics.exposition();
      endResponse(
        new fetchAPI.Response(request.method === "HEAD" ? null : body, {
          status: 200,
          headers: { "content-type": contentType, "cache-control": "no-store" },
        }),
      );
    },
  };
}

/** Counts every HTTP request by route and status, and GraphQL requests by operation and outcome. */
export function requestMetrics(metrics: GatewayMetrics): Plugin {
  return {
    onResponse({ request, response }) {
      try {
        const route = routeOf(request.url);
        metrics.httpRequest(route, response.status);
        if (route !== "graphql") return;
        const facts = requestFacts(request);
        // GraphiQL's page is a GET of /graphql too: not an operation.
        if (facts.operationType === null && response.headers.get("content-type")?.startsWith("text/html")) return;
        const ok = response.status < 400 && facts.errorCodes.length === 0;
        metrics.graphqlRequest(facts.operationName, facts.operationType, ok, elapsedMs(request) / 1000);
      } catch {
        // Counting must never cost the client its answer.
      }
    },
  };
}

/** A bounded route label: never the path itself (media keys, unknown paths). */
function routeOf(url: string): string {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return "other";
  }
  if (path === "/graphql") return "graphql";
  if (path.startsWith(MEDIA_ROUTE_PREFIX)) return "media";
  if (path === HEALTH_PATHS.liveness) return "healthz";
  if (path === HEALTH_PATHS.readiness) return "readyz";
  if (path === METRICS_PATH) return "metrics";
  if (path === "/") return "root";
  return "other";
}
