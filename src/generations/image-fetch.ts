import { createHash } from "node:crypto";
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { type IncomingMessage, request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import { unsafeHostProblem } from "./url-safety";

/**
 * The first frame's fingerprint for a generation's manifest: what the image URL served when
 * the gateway looked (Segmind fetches it separately; the two can differ if the URL changes).
 */
export interface ImageFingerprint {
  sha256: string;
  bytes: number;
}

/** Fetches an image URL and fingerprints it; throws ImageFetchError (or any error) on failure. */
export type ImageFetcher = (url: string, signal: AbortSignal) => Promise<ImageFingerprint>;

export class ImageFetchError extends Error {
  override readonly name = "ImageFetchError";
}

/** ByteDance's documented limit for Seedance's input image. */
export const IMAGE_MAX_BYTES = 30 * 1024 * 1024;

export interface ImageFetcherOptions {
  maxBytes?: number;
  /** For the whole fetch, redirects included. */
  timeoutMs?: number;
  maxRedirects?: number;
  /**
   * Name resolution (default: the system's, node:dns lookup). Whatever it answers is checked
   * against the same rules before connecting; tests use it to show a public-looking name that
   * resolves to loopback is refused.
   */
  resolve?: typeof dnsLookup;
}

/**
 * The gateway's own fetch of a first frame, with the SSRF rules of `url-safety.ts` applied to
 * every hop: the URL as given, each redirect target, and (unlike validation, which sees only
 * the text) every address the host name resolves to, checked in the connection's own DNS
 * lookup so the address checked is the address connected to (no re-binding in between).
 * Bounded in size and time; the body is hashed as it streams, never held in memory.
 */
export function createImageFetcher(options: ImageFetcherOptions = {}): ImageFetcher {
  const maxBytes = options.maxBytes ?? IMAGE_MAX_BYTES;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const maxRedirects = options.maxRedirects ?? 3;
  const lookup = publicOnlyLookup(options.resolve ?? dnsLookup);
  return async (url, signal) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = AbortSignal.any([signal, timeout]);
    let current = url;
    for (let hop = 0; ; hop += 1) {
      const response = await guardedGet(current, combined, lookup).catch((error: unknown) => {
        if (timeout.aborted) throw new ImageFetchError(`no answer within ${timeoutMs} ms`);
        throw error;
      });
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400 && response.headers.location) {
        response.destroy();
        if (hop >= maxRedirects) throw new ImageFetchError(`more than ${maxRedirects} redirects`);
        current = new URL(response.headers.location, current).toString();
        continue;
      }
      if (status !== 200) {
        response.destroy();
        throw new ImageFetchError(`HTTP ${status}`);
      }
      const declared = Number(response.headers["content-length"]);
      if (Number.isFinite(declared) && declared > maxBytes) {
        response.destroy();
        throw new ImageFetchError(`larger than ${maxBytes} bytes (Content-Length ${declared})`);
      }
      try {
        return await fingerprintStream(response, maxBytes);
      } catch (error) {
        if (timeout.aborted) throw new ImageFetchError(`not received within ${timeoutMs} ms`);
        throw error;
      }
    }
  };
}

/** sha256 and size of a stream, refusing (and destroying) it past `maxBytes`. */
export async function fingerprintStream(stream: AsyncIterable<Uint8Array> & { destroy?(): void }, maxBytes: number) {
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of stream) {
    bytes += chunk.byteLength;
    if (bytes > maxBytes) {
      stream.destroy?.();
      throw new ImageFetchError(`larger than ${maxBytes} bytes`);
    }
    hash.update(chunk);
  }
  return { sha256: hash.digest("hex"), bytes };
}

function guardedGet(text: string, signal: AbortSignal, lookup: LookupFunction): Promise<IncomingMessage> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return Promise.reject(new ImageFetchError("not a URL"));
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return Promise.reject(new ImageFetchError("not http(s)"));
  if (url.username || url.password) return Promise.reject(new ImageFetchError("URL carries credentials"));
  const problem = unsafeHostProblem(url);
  if (problem) return Promise.reject(new ImageFetchError(`refused: the host ${problem}`));
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method: "GET", signal, lookup, headers: { accept: "image/*" } }, resolve);
    outgoing.on("error", reject);
    outgoing.end();
  });
}

/**
 * `resolve`, refusing any answer that is not a public address (checked like a literal host).
 * Used as a connection's own `lookup`, so the address checked is the address connected to
 * (the webhook sender uses it too).
 */
export const publicOnlyLookup = (resolve: typeof dnsLookup = dnsLookup): LookupFunction => (hostname, options, callback) => {
  resolve(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, "", 0);
    const list = addresses as LookupAddress[];
    const blocked = list.find((entry) => addressProblem(entry.address) !== null);
    if (blocked || list.length === 0) {
      const refusal = new ImageFetchError(`refused: ${hostname} resolves to a non-public address (${blocked?.address ?? "none"})`);
      return callback(refusal as NodeJS.ErrnoException, "", 0);
    }
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
    const first = list[0] as LookupAddress;
    callback(null, first.address, first.family);
  });
};

function addressProblem(address: string): string | null {
  return unsafeHostProblem(new URL(`http://${address.includes(":") ? `[${address}]` : address}/`));
}
