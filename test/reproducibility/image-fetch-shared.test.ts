// Generations submitted together with one first frame share the fetch in flight
// (src/generations/image-fetch-shared.ts); nothing is kept once it has ended.
import { describe, expect, it } from "vitest";
import type { ImageFetcher, ImageFingerprint } from "../../src/generations/image-fetch";
import { sharingFetchesInFlight } from "../../src/generations/image-fetch-shared";

/** A fetcher whose fetches end when the test says, counting them per URL. */
function controlledFetcher() {
  const calls: string[] = [];
  const pending = new Map<string, { resolve: (value: ImageFingerprint) => void; reject: (error: Error) => void }>();
  const fetcher: ImageFetcher = (url) => {
    calls.push(url);
    return new Promise((resolve, reject) => pending.set(url, { resolve, reject }));
  };
  return { fetcher, calls, pending };
}

const never = () => new AbortController().signal;

describe("sharingFetchesInFlight", () => {
  it("one fetch per URL while it is in flight; every caller gets its result; a later call fetches again", async () => {
    const { fetcher, calls, pending } = controlledFetcher();
    const shared = sharingFetchesInFlight(fetcher);
    const a = Array.from({ length: 64 }, () => shared("https://img.example/a.png", never()));
    const b = shared("https://img.example/b.png", never());
    expect(calls).toEqual(["https://img.example/a.png", "https://img.example/b.png"]);
    pending.get("https://img.example/a.png")?.resolve({ sha256: "aa", bytes: 1 });
    pending.get("https://img.example/b.png")?.reject(new Error("HTTP 404"));
    expect(await Promise.all(a)).toEqual(Array(64).fill({ sha256: "aa", bytes: 1 }));
    await expect(b).rejects.toThrow("HTTP 404");
    // Ended: not cached.
    const again = shared("https://img.example/a.png", never());
    expect(calls).toHaveLength(3);
    pending.get("https://img.example/a.png")?.resolve({ sha256: "a2", bytes: 2 });
    expect(await again).toEqual({ sha256: "a2", bytes: 2 });
  });

  it("a caller that aborts stops waiting at once; the others still get the result", async () => {
    const { fetcher, calls, pending } = controlledFetcher();
    const shared = sharingFetchesInFlight(fetcher);
    const stopping = new AbortController();
    const first = shared("https://img.example/a.png", stopping.signal);
    const second = shared("https://img.example/a.png", never());
    stopping.abort(new Error("worker stopping"));
    await expect(first).rejects.toThrow("worker stopping");
    pending.get("https://img.example/a.png")?.resolve({ sha256: "aa", bytes: 1 });
    expect(await second).toEqual({ sha256: "aa", bytes: 1 });
    expect(calls).toHaveLength(1);
  });
});
