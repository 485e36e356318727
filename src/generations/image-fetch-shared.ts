import type { ImageFetcher, ImageFingerprint } from "./image-fetch";

/**
 * One fetch per image URL at a time: generations submitted together with the same first frame
 * (a batch, a seed sweep, a client's retries) share the fetch in flight instead of each making
 * its own. Each fetch holds a worker slot for as long as it takes (up to its 15 s timeout), so
 * with 1,000 generations of one image the gateway made 64 identical fetches at once; this
 * machine's resolver answered such a burst of lookups after 10 s, and submits crawled at
 * ~5 a second (test/faults/open-files.test.ts). Nothing is cached once the fetch has ended: a
 * later generation fetches the URL afresh, as the manifest says ("what the URL served when the
 * gateway looked").
 *
 * The shared fetch is not tied to any one caller's signal (a stopping worker aborts every
 * caller, each of which stops waiting at once); it ends by itself within its own timeout.
 */
export function sharingFetchesInFlight(fetch: ImageFetcher): ImageFetcher {
  const inFlight = new Map<string, Promise<ImageFingerprint>>();
  const detached = new AbortController().signal;
  return (url, signal) => {
    let shared = inFlight.get(url);
    if (!shared) {
      shared = fetch(url, detached).finally(() => inFlight.delete(url));
      inFlight.set(url, shared);
    }
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<ImageFingerprint>((resolve, reject) => {
      const abort = () => reject(signal.reason);
      signal.addEventListener("abort", abort, { once: true });
      (shared as Promise<ImageFingerprint>).then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
    });
  };
}
