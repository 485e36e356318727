import { createHash } from "node:crypto";
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { Readable } from "node:stream";
import { createSchema, createYoga, type Plugin } from "graphql-yoga";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

import { createFsMediaStore } from "../../src/media/fs-store";
import { serveMedia } from "../../src/media/http";
import type { MediaStore } from "../../src/media/store";
import { makeTempDir, patternBytes } from "./fixtures";

// Everything here goes over real HTTP to a real yoga app, the way the gateway will serve media.

const clip = patternBytes(200_000, 7); // served with a known sha256 (as the job record would give)
const clipSha256 = createHash("sha256").update(clip).digest("hex");
const big = 32 * 1024 * 1024; // larger than loopback socket buffers, to catch a client leaving mid-body

let baseUrl: string;
let server: http.Server;
let removeDir: () => Promise<void>;
const openedReads: Readable[] = [];

beforeAll(async () => {
  const temp = await makeTempDir();
  removeDir = temp.remove;
  const fsStore = createFsMediaStore(path.join(temp.dir, "media"));
  await fsStore.put("jobs/1/clip.mp4", Readable.from([clip]), "video/mp4");
  await fsStore.put("nohash.webm", Readable.from([Buffer.from("0123456789")]), "video/webm");
  await fsStore.put("empty.mp4", Readable.from([]), "video/mp4");
  await fsStore.put("big.bin", Readable.from([Buffer.alloc(big, 1)]), "application/octet-stream");

  // Records every stream the server opens, to check none is left open.
  const store: MediaStore = {
    ...fsStore,
    read(key, range) {
      const stream = fsStore.read(key, range);
      openedReads.push(stream);
      return stream;
    },
  };
  const knownHashes = new Map([["jobs/1/clip.mp4", clipSha256]]);

  const mediaRoute: Plugin = {
    async onRequest({ request, url, fetchAPI, endResponse }) {
      if (!url.pathname.startsWith("/media/")) return;
      const key = decodeURIComponent(url.pathname.slice("/media/".length));
      endResponse(await serveMedia(request, store, key, { fetchAPI, sha256: knownHashes.get(key) }));
    },
  };
  const yoga = createYoga({
    schema: createSchema({
      typeDefs: "type Query { hello: String! }",
      resolvers: { Query: { hello: () => "world" } },
    }),
    plugins: [mediaRoute],
    logging: false,
  });
  server = http.createServer(yoga);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await removeDir?.();
});

const media = (key: string, init?: RequestInit) => fetch(`${baseUrl}/media/${key}`, init);
const bodyOf = async (response: Response) => Buffer.from(await response.arrayBuffer());
const CLIP = "jobs/1/clip.mp4";

describe("serveMedia behind yoga: whole objects", () => {
  it("GET sends the whole object with type, length, ranges, ETag and immutable caching", async () => {
    const response = await media(CLIP);
    expect(response.status).toBe(200);
    expect(Object.fromEntries(response.headers)).toMatchObject({
      "content-type": "video/mp4",
      "content-length": String(clip.length),
      "accept-ranges": "bytes",
      etag: `"${clipSha256}"`,
      "cache-control": "public, max-age=31536000, immutable",
    });
    expect(response.headers.get("transfer-encoding")).toBeNull();
    expect((await bodyOf(response)).equals(clip)).toBe(true);
  });

  it("HEAD sends the same headers and no body", async () => {
    const response = await media(CLIP, { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-length")).toBe(String(clip.length));
    expect(response.headers.get("etag")).toBe(`"${clipSha256}"`);
    expect(response.headers.get("content-type")).toBe("video/mp4");
    expect((await bodyOf(response)).length).toBe(0);
  });

  it("HEAD ignores Range, which is defined for GET only", async () => {
    const response = await media(CLIP, { method: "HEAD", headers: { Range: "bytes=0-9" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-length")).toBe(String(clip.length));
  });

  it("serves an empty object", async () => {
    const response = await media("empty.mp4");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-length")).toBe("0");
    expect((await bodyOf(response)).length).toBe(0);
  });

  it("falls back to a size+mtime strong ETag when no sha256 is given", async () => {
    const response = await media("nohash.webm");
    expect(response.headers.get("etag")).toMatch(/^"a-[0-9a-f]+"$/);
    expect(await response.text()).toBe("0123456789");
  });

  it("404 for missing keys and for keys trying to escape the store", async () => {
    for (const key of ["nope.mp4", "..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd", ".meta%2Fnohash.webm.json"]) {
      const response = await media(key);
      expect(response.status, key).toBe(404);
      await response.arrayBuffer();
    }
  });

  it("405 with Allow for other methods", async () => {
    for (const method of ["POST", "PUT", "DELETE"]) {
      const response = await media(CLIP, { method, body: method === "DELETE" ? undefined : "x" });
      expect(response.status, method).toBe(405);
      expect(response.headers.get("allow")).toBe("GET, HEAD");
      await response.arrayBuffer();
    }
  });

  it("leaves GraphQL alone", async () => {
    const response = await fetch(`${baseUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ hello }" }),
    });
    expect(await response.json()).toEqual({ data: { hello: "world" } });
  });
});

describe("serveMedia behind yoga: ranges", () => {
  async function expectPartial(range: string, start: number, end: number) {
    const response = await media(CLIP, { headers: { Range: range } });
    expect(response.status).toBe(206);
    expect(response.headers.get("content-range")).toBe(`bytes ${start}-${end}/${clip.length}`);
    expect(response.headers.get("content-length")).toBe(String(end - start + 1));
    expect(response.headers.get("content-type")).toBe("video/mp4");
    expect(response.headers.get("etag")).toBe(`"${clipSha256}"`);
    expect((await bodyOf(response)).equals(clip.subarray(start, end + 1))).toBe(true);
  }

  it("bytes=0- (what a <video> element asks first) -> 206 with everything", () =>
    expectPartial("bytes=0-", 0, clip.length - 1));
  it("bytes=a-b -> exactly those bytes", () => expectPartial("bytes=1000-1999", 1000, 1999));
  it("bytes=a- -> to the end", () => expectPartial("bytes=150000-", 150_000, clip.length - 1));
  it("bytes=-n -> the last n bytes", () => expectPartial("bytes=-500", clip.length - 500, clip.length - 1));
  it("an end past the object is clamped", () => expectPartial("bytes=199990-999999", 199_990, clip.length - 1));

  it("a range starting past the end -> 416 with Content-Range bytes */total", async () => {
    const response = await media(CLIP, { headers: { Range: `bytes=${clip.length}-` } });
    expect(response.status).toBe(416);
    expect(response.headers.get("content-range")).toBe(`bytes */${clip.length}`);
    await response.arrayBuffer();
  });

  it("multiple ranges -> the whole object, 200", async () => {
    const response = await media(CLIP, { headers: { Range: "bytes=0-9,100-109" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-range")).toBeNull();
    expect((await bodyOf(response)).equals(clip)).toBe(true);
  });

  it("If-Range with the current ETag honours the range; a stale or weak one gets the whole object", async () => {
    const current = await media(CLIP, { headers: { Range: "bytes=0-9", "If-Range": `"${clipSha256}"` } });
    expect(current.status).toBe(206);
    expect((await bodyOf(current)).equals(clip.subarray(0, 10))).toBe(true);

    for (const ifRange of ['"stale"', `W/"${clipSha256}"`, "Wed, 21 Oct 2015 07:28:00 GMT"]) {
      const response = await media(CLIP, { headers: { Range: "bytes=0-9", "If-Range": ifRange } });
      expect(response.status, ifRange).toBe(200);
      expect((await bodyOf(response)).length).toBe(clip.length);
    }
  });
});

describe("serveMedia behind yoga: conditional GET", () => {
  it("If-None-Match with the ETag (in a list, weak or *) -> 304 without a body", async () => {
    for (const ifNoneMatch of [`"${clipSha256}"`, `"other", W/"${clipSha256}"`, "*"]) {
      const response = await media(CLIP, { headers: { "If-None-Match": ifNoneMatch } });
      expect(response.status, ifNoneMatch).toBe(304);
      expect(response.headers.get("etag")).toBe(`"${clipSha256}"`);
      expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect((await bodyOf(response)).length).toBe(0);
    }
  });

  it("If-None-Match with another ETag -> 200", async () => {
    const response = await media(CLIP, { headers: { "If-None-Match": '"something-else"' } });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
  });

  it("works with the size+mtime ETag too", async () => {
    const first = await media("nohash.webm");
    await first.arrayBuffer();
    const again = await media("nohash.webm", { headers: { "If-None-Match": first.headers.get("etag")! } });
    expect(again.status).toBe(304);
  });
});

describe("serveMedia behind yoga: streaming", () => {
  it("streams a large object in full", async () => {
    const response = await media("big.bin");
    expect(response.headers.get("content-length")).toBe(String(big));
    let received = 0;
    const reader = response.body!.getReader();
    for (let read = await reader.read(); !read.done; read = await reader.read()) received += read.value.length;
    expect(received).toBe(big);
  });

  it("closes the file when the client goes away mid-body", async () => {
    const request = http.get(`${baseUrl}/media/big.bin`, { headers: { Range: "bytes=0-" } });
    const [response] = (await once(request, "response")) as [http.IncomingMessage];
    expect(response.statusCode).toBe(206);
    await once(response, "data");
    const source = openedReads.at(-1)!;
    request.destroy();

    await vi.waitFor(() => expect(source.destroyed).toBe(true), { timeout: 5_000 });
    expect(source.readableEnded).toBe(false); // it really was cut short, not read to the end
  });
});

describe("serveMedia without yoga", () => {
  it("defaults to the global Response", async () => {
    const temp = await makeTempDir();
    try {
      const store = createFsMediaStore(temp.dir);
      await store.put("a.txt", Readable.from([Buffer.from("hello world")]), "text/plain");
      const response = await serveMedia(
        new Request("http://localhost/media/a.txt", { headers: { Range: "bytes=6-" } }),
        store,
        "a.txt",
      );
      expect(response).toBeInstanceOf(globalThis.Response);
      expect(response.status).toBe(206);
      expect(await response.text()).toBe("world");
    } finally {
      await temp.remove();
    }
  });
});
