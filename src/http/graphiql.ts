import { gzipSync } from "node:zlib";
import { renderGraphiQL } from "@graphql-yoga/render-graphiql";
import type { GraphiQLOptions, Plugin } from "graphql-yoga";

/**
 * GraphiQL with every script and style inlined (no CDN: it must work offline). The page is
 * ~9 MB, so it is rendered once (a gateway's GraphiQL options never change) and served
 * gzipped to browsers that accept it.
 */
export function createGraphiQL() {
  let page: { html: string; gzipped: Buffer } | undefined;

  const render = (options: GraphiQLOptions) => {
    if (!page) {
      const html = renderGraphiQL(options);
      page = { html, gzipped: gzipSync(html) };
    }
    return page.html;
  };

  const compression: Plugin = {
    onResponse({ request, response, setResponse, fetchAPI }) {
      if (!page || !response.headers.get("content-type")?.startsWith("text/html")) return;
      if (!/\bgzip\b/.test(request.headers.get("accept-encoding") ?? "")) return;
      const headers = new fetchAPI.Headers(response.headers);
      headers.set("content-encoding", "gzip");
      headers.set("content-length", String(page.gzipped.length));
      headers.set("vary", "accept-encoding");
      setResponse(new fetchAPI.Response(new Uint8Array(page.gzipped), { status: response.status, headers }));
    },
  };
  return { render, compression };
}
