import type { Plugin } from "graphql-yoga";
import type { Readiness } from "../observability/readiness";
import { GATEWAY_VERSION } from "../version";

/** Probe paths: cheap, unauthenticated, and answered before anything else runs. */
export const HEALTH_PATHS = { liveness: "/healthz", readiness: "/readyz" } as const;

/**
 * - `GET /healthz`: liveness. 200 whenever the process answers HTTP; checks nothing else, so a
 *   database outage never gets a healthy process restarted.
 * - `GET /readyz`: readiness. 200 when the gateway is started (not starting, not draining) and
 *   every critical check passes (database answers, migrations applied, worker running, and
 *   whatever a deployment adds, e.g. Redis); 503 otherwise, with a JSON reason per check.
 *   Segmind's reachability is reported, never failing.
 * - `GET /`: what this is and where to go.
 */
export function healthRoutes(readiness: Readiness): Plugin {
  return {
    async onRequest({ request, url, fetchAPI, endResponse }) {
      const route = url.pathname;
      if (route !== HEALTH_PATHS.liveness && route !== HEALTH_PATHS.readiness && route !== "/") return;
      const json = (status: number, body: unknown) =>
        new fetchAPI.Response(request.method === "HEAD" ? null : JSON.stringify(body), {
          status,
          headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
        });
      if (request.method !== "GET" && request.method !== "HEAD") {
        endResponse(new fetchAPI.Response(null, { status: 405, headers: { allow: "GET, HEAD" } }));
        return;
      }
      if (route === HEALTH_PATHS.liveness) {
        endResponse(json(200, { status: "ok" }));
      } else if (route === HEALTH_PATHS.readiness) {
        const report = await readiness.report();
        endResponse(json(report.ready ? 200 : 503, report));
      } else {
        endResponse(
          json(200, {
            service: "seedance-gateway",
            version: GATEWAY_VERSION,
            graphql: "/graphql",
            studio: "/studio",
            liveness: HEALTH_PATHS.liveness,
            readiness: HEALTH_PATHS.readiness,
            metrics: "/metrics",
          }),
        );
      }
    },
  };
}
