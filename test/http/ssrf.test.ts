import { afterAll, beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../support/databases";
import { type Harness, VALID_INPUT, startHarness } from "../support/harness";

/**
 * The first frame's URL is fetched by Segmind: it must not name this machine, the private
 * network, link-local or cloud metadata addresses. Refused as an InvalidInputError on imageUrl;
 * nothing is stored and nothing reaches the upstream. (Literal checks only: a public name that
 * resolves to a private address, or DNS rebinding, is not caught without resolving it.)
 */
const GENERATE = `mutation Generate($input: GenerateVideoInput!) {
  generateVideo(input: $input) {
    __typename
    ... on InvalidInputError { code fields { field message } }
    ... on GenerateVideoPayload { generation { id imageUrl } }
  }
}`;

const REFUSED: Array<[string, string]> = [
  // loopback, in every spelling WHATWG URL parsing normalises to 127.0.0.1
  ["IPv4 loopback", "http://127.0.0.1/frame.png"],
  ["IPv4 loopback, elsewhere in 127/8", "https://127.255.10.1:8443/frame.png"],
  ["decimal IPv4 (2130706433)", "http://2130706433/frame.png"],
  ["hex + short IPv4 (0x7f.1)", "http://0x7f.1/frame.png"],
  ["octal IPv4 (0177.0.0.1)", "http://0177.0.0.1/frame.png"],
  ["short IPv4 (127.1)", "http://127.1/frame.png"],
  ["percent-encoded IPv4", "http://%31%32%37.0.0.1/frame.png"],
  ["full-width digits", "http://１２７.０.０.１/frame.png"],
  ["localhost", "http://localhost:4000/frame.png"],
  ["LOCALHOST with a trailing dot", "http://LOCALHOST./frame.png"],
  ["a *.localhost name", "http://images.localhost/frame.png"],
  ["IPv6 loopback", "http://[::1]/frame.png"],
  ["IPv4-mapped IPv6 loopback", "http://[::ffff:127.0.0.1]/frame.png"],
  ["IPv4-mapped IPv6 loopback, hex", "http://[::ffff:7f00:1]/frame.png"],
  ["IPv4-compatible IPv6", "http://[::127.0.0.1]/frame.png"],
  ["NAT64 of loopback", "http://[64:ff9b::127.0.0.1]/frame.png"],
  ["6to4 of loopback", "http://[2002:7f00:1::1]/frame.png"],
  // unspecified
  ["0.0.0.0", "http://0.0.0.0/frame.png"],
  ["0 (short for 0.0.0.0)", "http://0/frame.png"],
  ["IPv6 unspecified", "http://[::]/frame.png"],
  // private
  ["10/8", "http://10.0.0.5/frame.png"],
  ["172.16/12", "http://172.16.0.1/frame.png"],
  ["172.16/12, upper end", "http://172.31.255.254/frame.png"],
  ["192.168/16", "http://192.168.1.1/frame.png"],
  ["IPv4-mapped private", "http://[::ffff:10.1.2.3]/frame.png"],
  ["IPv6 unique local fc00::/7", "http://[fd12:3456:789a::1]/frame.png"],
  ["carrier-grade NAT 100.64/10", "http://100.64.0.1/frame.png"],
  // link-local and metadata
  ["link-local 169.254/16", "http://169.254.1.1/frame.png"],
  ["AWS/GCP/Azure metadata IP", "http://169.254.169.254/latest/meta-data/iam/"],
  ["metadata IP as a decimal", "http://2852039166/latest/meta-data/"],
  ["AWS metadata over IPv6", "http://[fd00:ec2::254]/latest/meta-data/"],
  ["IPv6 link-local", "http://[fe80::1]/frame.png"],
  ["GCP metadata name", "http://metadata.google.internal/computeMetadata/v1/"],
  ["GCP metadata name, trailing dot", "http://metadata.google.internal./computeMetadata/v1/"],
  ["bare metadata name", "http://metadata/computeMetadata/v1/"],
  // other names that are never public
  ["a single-label name", "http://intranet/frame.png"],
  ["an mDNS name", "http://printer.local/frame.png"],
  ["an .internal name", "http://db.corp.internal/frame.png"],
  // reserved / multicast
  ["broadcast", "http://255.255.255.255/frame.png"],
  ["multicast", "http://224.0.0.1/frame.png"],
  // not http(s) at all
  ["file:", "file:///etc/passwd"],
  ["gopher:", "gopher://127.0.0.1:6379/_INFO"],
];

const ACCEPTED: Array<[string, string]> = [
  ["a public name", "https://images.example.com/frame.png"],
  ["a public IPv4 address", "http://8.8.8.8/frame.png"],
  ["172.32.0.1 (just outside 172.16/12)", "http://172.32.0.1/frame.png"],
  ["100.128.0.1 (just outside 100.64/10)", "http://100.128.0.1/frame.png"],
  ["a public IPv6 address", "http://[2001:4860:4860::8888]/frame.png"],
  ["IPv4-mapped public address", "http://[::ffff:8.8.8.8]/frame.png"],
  ["a name that merely contains 'localhost'", "https://localhost.example.com/frame.png"],
];

describeEachDatabase("first-frame URL safety (SSRF)", (target) => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness(target);
  });
  afterAll(() => harness?.close());

  it.each(REFUSED)("refuses %s: %s", async (_name, imageUrl) => {
    const result = await harness.gql(GENERATE, { input: { ...VALID_INPUT, imageUrl } });
    expect(result.errors).toBeUndefined();
    expect(result.data.generateVideo.__typename).toBe("InvalidInputError");
    expect(result.data.generateVideo.code).toBe("INVALID_INPUT");
    expect(result.data.generateVideo.fields).toEqual([{ field: "imageUrl", message: expect.stringMatching(/^must /) }]);
  });

  it("stored nothing and sent nothing upstream for any of them", async () => {
    expect(await harness.db.generation.count()).toBe(0);
    expect(await harness.db.generationEvent.count()).toBe(0);
    expect(harness.standIn.stats.submitAttempts).toBe(0);
    expect(harness.standIn.stats.syncRuns).toBe(0);
  });

  it.each(ACCEPTED)("accepts %s: %s", async (_name, imageUrl) => {
    const result = await harness.gql(GENERATE, { input: { ...VALID_INPUT, imageUrl } });
    expect(result.data.generateVideo.__typename).toBe("GenerateVideoPayload");
    // Stored and sent as the URL's WHATWG serialisation (what was validated is what is sent).
    expect(result.data.generateVideo.generation.imageUrl).toBe(new URL(imageUrl).href);
  });

  it("says why, in words a client can act on", async () => {
    const result = await harness.gql(GENERATE, { input: { ...VALID_INPUT, imageUrl: "http://169.254.169.254/" } });
    expect(result.data.generateVideo.fields[0].message).toBe(
      "must not point at a loopback, private, link-local, reserved or metadata address",
    );
  });
});
