import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/**
 * Bounds the memory a large download leaves behind (issue 8: a 50 MiB video grew the
 * gateway's RSS by 30-36 MiB, target < 16 MiB).
 *
 * Every chunk a socket reads is a fresh buffer outside V8's heap, and fetch copies each once
 * more on its way to us (node:http copies too): ~3 bytes of garbage per byte downloaded. Its
 * memory goes back only when V8 collects the small objects that own it, and a download makes
 * few of those, so no young-generation collection comes; V8 waits for ~32 MiB of such memory
 * before it collects for it. Swapping the transport (undici.request, node:http) measured the
 * same ~32 MiB: the socket's own buffers alone reach that threshold. So every
 * COLLECT_EVERY_BYTES of body read (all downloads of the process together), a young-generation
 * collection (a scavenge: ~1 ms, it visits only objects still alive in the young generation)
 * frees what the chunks before left. Figures: bench/RESULTS.md ("issue 8: the download path"),
 * measured with bench/media-rss.ts.
 */
export const COLLECT_EVERY_BYTES = 1024 * 1024;

type Collect = (options: { type: "minor"; execution: "sync" }) => void;

/** Counts body bytes and collects the young generation each `everyBytes`. */
export function youngCollector(collect: Collect | null, everyBytes: number = COLLECT_EVERY_BYTES): (bytes: number) => void {
  let sinceLast = 0;
  return (bytes) => {
    if (!collect) return;
    sinceLast += bytes;
    if (sinceLast < everyBytes) return;
    sinceLast = 0;
    collect({ type: "minor", execution: "sync" });
  };
}

/**
 * V8's gc() without starting node with --expose-gc: the flag holds for contexts made while it
 * is set, so one new context hands over its gc, and the flag goes back off (no later vm
 * context gets a `gc` global). The same route as Jest's leak detector. null if it fails (then
 * downloads simply run without the collections).
 */
export function exposeCollector(): Collect | null {
  const own = (globalThis as { gc?: unknown }).gc;
  if (typeof own === "function") return own as Collect;
  try {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as unknown;
    return typeof gc === "function" ? (gc as Collect) : null;
  } catch {
    return null;
  } finally {
    setFlagsFromString("--no-expose-gc");
  }
}

let shared: ((bytes: number) => void) | undefined;

/** The process's one counter: `bytes` of a downloaded body were handed on. */
export function bodyBytesRead(bytes: number): void {
  (shared ??= youngCollector(exposeCollector()))(bytes);
}
