import { createHash } from "node:crypto";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { IMAGE_MAX_BYTES, type ImageFetcher, fingerprintStream } from "../../src/generations/image-fetch";

/** A tiny but real PNG (1x1, opaque red): the first frame the tests' image host serves. */
export const FIRST_FRAME_PNG = Buffer.from(
  "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c49444154789c63f8cfc0000003010100c9fe92ef0000000049454e44ae426082",
  "hex",
);
export const FIRST_FRAME_SHA256 = createHash("sha256").update(FIRST_FRAME_PNG).digest("hex");

export interface ImageHost {
  /** Paths asked for, in order. */
  requests: string[];
  /**
   * Stands in for the public image host the tests' URLs name (images.example.com): same
   * path, served from loopback. The gateway's own fetcher refuses loopback, rightly; this one
   * is injected through createGateway's `imageFetcher` and hashes the same way.
   */
  fetcher: ImageFetcher;
  close(): Promise<void>;
}

/** Serves FIRST_FRAME_PNG at /frame.png (404 elsewhere) on a random loopback port. */
export async function startImageHost(): Promise<ImageHost> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    requests.push(request.url ?? "");
    if (request.url === "/frame.png") {
      response.writeHead(200, { "content-type": "image/png", "content-length": FIRST_FRAME_PNG.length });
      response.end(FIRST_FRAME_PNG);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    requests,
    fetcher: async (url, signal) => {
      const response = await fetch(new URL(new URL(url).pathname, base), { signal });
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      return fingerprintStream(response.body as unknown as AsyncIterable<Uint8Array>, IMAGE_MAX_BYTES);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
