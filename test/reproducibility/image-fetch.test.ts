import { createHash } from "node:crypto";
import type { LookupAddress } from "node:dns";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createImageFetcher, fingerprintStream } from "../../src/generations/image-fetch";

/** The SSRF rules hold for the gateway's own fetch of first frames, whoever resolves names. */
describe("the default image fetcher", () => {
  let server: Server;
  let port: number;
  let hits = 0;

  beforeAll(async () => {
    server = createServer((_request, response) => {
      hits += 1;
      response.end("not an image, and it must never be fetched");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const signal = () => new AbortController().signal;

  it.each([
    ["loopback", (p: number) => `http://127.0.0.1:${p}/frame.png`],
    ["loopback, written as a number", (p: number) => `http://2130706433:${p}/frame.png`],
    ["localhost", (p: number) => `http://localhost:${p}/frame.png`],
    ["IPv6 loopback", (p: number) => `http://[::1]:${p}/frame.png`],
    ["the metadata service", () => "http://169.254.169.254/latest/meta-data/"],
    ["a private address", () => "http://10.0.0.7/frame.png"],
  ])("refuses %s without connecting", async (_name, url) => {
    await expect(createImageFetcher()(url(port), signal())).rejects.toThrow(/refused/);
    expect(hits).toBe(0);
  });

  it("refuses a public-looking name that resolves to loopback, before connecting", async () => {
    const resolved: string[] = [];
    const toLoopback = ((hostname: string, _options: unknown, callback: (e: null, a: LookupAddress[]) => void) => {
      resolved.push(hostname);
      callback(null, [{ address: "127.0.0.1", family: 4 }]);
    }) as never;
    const fetcher = createImageFetcher({ resolve: toLoopback });
    await expect(fetcher(`http://images.example.com:${port}/frame.png`, signal())).rejects.toThrow(
      /images\.example\.com resolves to a non-public address \(127\.0\.0\.1\)/,
    );
    expect(resolved).toEqual(["images.example.com"]);
    expect(hits).toBe(0);
  });

  it("connects to a public answer (the guard lets it through, whatever then answers)", async () => {
    const toPublic = ((_hostname: string, _options: unknown, callback: (e: null, a: LookupAddress[]) => void) =>
      callback(null, [{ address: "192.88.99.1", family: 4 }])) as never;
    const fetcher = createImageFetcher({ resolve: toPublic, timeoutMs: 300 });
    const error = await fetcher("http://images.example.com:9/frame.png", signal()).then(
      () => null,
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error?.message).not.toMatch(/refused/);
  });

  it("refuses non-http(s) URLs and URLs with credentials", async () => {
    await expect(createImageFetcher()("file:///etc/passwd", signal())).rejects.toThrow(/not http/);
    await expect(createImageFetcher()("https://user:pw@images.example.com/a.png", signal())).rejects.toThrow(/credentials/);
  });

  it("hashes a body as it streams and stops past the size limit", async () => {
    const bytes = Buffer.from("first frame bytes");
    expect(await fingerprintStream(Readable.from([bytes]), 100)).toEqual({
      sha256: createHash("sha256").update(bytes).digest("hex"),
      bytes: bytes.length,
    });
    const endless = Readable.from((function* () {
      for (;;) yield Buffer.alloc(1024);
    })());
    await expect(fingerprintStream(endless, 10 * 1024)).rejects.toThrow(/larger than 10240 bytes/);
    expect(endless.destroyed).toBe(true);
  });
});
