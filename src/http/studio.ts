import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import type { Plugin } from "graphql-yoga";

/**
 * The studio (studio/src, built into the committed studio/assets by `npm run studio:build`):
 * `GET /studio` is its page, `/studio/assets/<file>` its script and styles, and a browser
 * asking for `/` is sent to it (programs asking for `/` still get the JSON of health.ts).
 * The files are read once, when the gateway is built; a strict Content-Security-Policy lets
 * the page talk to this gateway only.
 */

export const STUDIO_PATH = "/studio";
const ASSETS_PREFIX = `${STUDIO_PATH}/assets/`;

const CONTENT_TYPES: Record<string, string> = {
  "index.html": "text/html; charset=utf-8",
  "studio.js": "text/javascript; charset=utf-8",
  "studio.css": "text/css; charset=utf-8",
};

interface Asset {
  bytes: Buffer;
  gzipped: Buffer;
  contentType: string;
  etag: string;
}

/**
 * studio/assets at the package root, found by walking up from this file to package.json, so
 * it resolves the same from src/http (tsx) and from a compiled copy of the server elsewhere.
 */
export function studioAssetsDirectory(from: string = fileURLToPath(import.meta.url)): string | null {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return join(dir, "studio", "assets");
    if (dirname(dir) === dir) return null;
  }
}

function loadAssets(directory: string | null): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  if (!directory) return assets;
  for (const [name, contentType] of Object.entries(CONTENT_TYPES)) {
    const path = join(directory, name);
    if (!existsSync(path)) continue;
    const bytes = readFileSync(path);
    const etag = `"${createHash("sha256").update(bytes).digest("base64url").slice(0, 22)}"`;
    assets.set(name, { bytes, gzipped: gzipSync(bytes), contentType, etag });
  }
  return assets;
}

/** The page may load its own files, call this gateway, and play videos from PUBLIC_URL. */
function contentSecurityPolicy(publicUrl: string): string {
  const media = new URL(publicUrl).origin;
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "connect-src 'self'",
    `media-src 'self' ${media}`,
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

export function studioRoute(options: { publicUrl: string; assetsDirectory?: string | null }): Plugin {
  const assets = loadAssets(options.assetsDirectory === undefined ? studioAssetsDirectory() : options.assetsDirectory);
  const csp = contentSecurityPolicy(options.publicUrl);

  return {
    onRequest({ request, url, fetchAPI, endResponse }) {
      const path = url.pathname;
      if (path === "/") {
        // Browsers (navigations ask for HTML) go to the studio; programs keep the JSON answer.
        if ((request.method === "GET" || request.method === "HEAD") && /\btext\/html\b/.test(request.headers.get("accept") ?? "")) {
          endResponse(new fetchAPI.Response(null, { status: 302, headers: { location: `${STUDIO_PATH}/` } }));
        }
        return;
      }
      if (path !== STUDIO_PATH && !path.startsWith(`${STUDIO_PATH}/`)) return;
      if (request.method !== "GET" && request.method !== "HEAD") {
        endResponse(new fetchAPI.Response(null, { status: 405, headers: { allow: "GET, HEAD" } }));
        return;
      }
      const name = path === STUDIO_PATH || path === `${STUDIO_PATH}/` ? "index.html" : path.startsWith(ASSETS_PREFIX) ? path.slice(ASSETS_PREFIX.length) : null;
      const asset = name === null ? undefined : assets.get(name);
      if (!asset) {
        const missing = assets.size === 0;
        endResponse(
          new fetchAPI.Response(missing ? "The studio is not built: run `npm run studio:build`.\n" : "Not Found\n", {
            status: missing ? 503 : 404,
            headers: { "content-type": "text/plain; charset=utf-8" },
          }),
        );
        return;
      }
      const headers: Record<string, string> = {
        "content-type": asset.contentType,
        etag: asset.etag,
        // Revalidated on each load (a 304 when unchanged), so a new gateway serves a new studio at once.
        "cache-control": "no-cache",
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
        vary: "accept-encoding",
      };
      if (name === "index.html") headers["content-security-policy"] = csp;
      if (request.headers.get("if-none-match") === asset.etag) {
        endResponse(new fetchAPI.Response(null, { status: 304, headers }));
        return;
      }
      const gzip = /\bgzip\b/.test(request.headers.get("accept-encoding") ?? "");
      const body = gzip ? asset.gzipped : asset.bytes;
      if (gzip) headers["content-encoding"] = "gzip";
      headers["content-length"] = String(body.length);
      endResponse(new fetchAPI.Response(request.method === "HEAD" ? null : new Uint8Array(body), { status: 200, headers }));
    },
  };
}
