import { parse as legacyParse } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unsafeHostProblem } from "../../src/generations/url-safety";
import { databaseTargets } from "../support/databases";
import { type Harness, VALID_INPUT, localId, startHarness } from "../support/harness";

/**
 * What the gateway validates is what it sends. Parsers disagree about odd URLs:
 * `http://example.com\@127.0.0.1/` is example.com to WHATWG (which the gateway validates with)
 * and 127.0.0.1 to curl and Python's urlsplit (RFC 3986 readers, as Segmind's fetcher may be).
 * For every input of a corpus of parser differentials, either it is refused, or the string
 * stored and sent upstream (`upstreamRequestBody.image_url`) names the same public host to
 * WHATWG, to node's legacy parser and to an RFC 3986 reading (userinfo split at the first and
 * at the last "@"). The database plays no part here: one provider is enough.
 */
const CORPUS: string[] = [
  // backslashes
  "http://example.com\\@127.0.0.1/",
  "http://127.0.0.1\\@example.com/",
  "http:\\\\127.0.0.1/frame.png",
  "https:/\\example.com/frame.png",
  "http://example.com\\.127.0.0.1/",
  "http://example.com:80\\@127.0.0.1/",
  // tabs, newlines and other controls (WHATWG drops tabs and newlines; others keep them)
  "http://exa\tmple.com/frame.png",
  "http://127.0.0.1\n.example.com/",
  "http://example.com/\r\n@127.0.0.1",
  "http://example.com\u0001@127.0.0.1/",
  // "@" in odd places
  "http://example.com@127.0.0.1/",
  "http://127.0.0.1@example.com/",
  "http://@example.com/frame.png",
  "http://:@example.com/frame.png",
  "http://a@b@127.0.0.1/",
  "http://example.com:80@127.0.0.1/",
  "http://example.com#@127.0.0.1/",
  "http://example.com?@127.0.0.1/",
  "http://example.com/@127.0.0.1/",
  "http://example.com%40127.0.0.1/",
  // mixed and odd encodings
  "http://%31%32%37.0.0.1/frame.png",
  "http://exa%6Dple.com/frame.png",
  "http://EXAMPLE.com/Frame.png",
  "http://example.com/%2e%2e/%2E%2E/frame.png",
  "http://example.com/a b.png",
  "http://127.0.0.1%2eexample.com/frame.png",
  "http://0x7f.0.0.1/",
  "http://①②⑦.0.0.1/",
  "http://example.com。127.0.0.1/",
  "http://ex𝐚mple.com/frame.png",
  "http://xn--exmple-cua.com/frame.png",
  // IPv6, zone ids
  "http://[fe80::1%25eth0]/",
  "http://[::1%2525]/",
  "http://[2001:4860:4860::8888%25eth0]/frame.png",
  "http://[::ffff:127.0.0.1]/",
  "http://[2001:4860:4860::8888]/frame.png",
  "http://[::FFFF:8.8.8.8]/frame.png",
  // slashes and ports
  "http:example.com/frame.png",
  "http:/example.com/frame.png",
  "http:///example.com/frame.png",
  "HTTP://example.com:0080/frame.png",
  "https://example.com:443/frame.png#frame",
];

/** These must be refused, whatever else happens: they exist to be read two ways. */
const MUST_REFUSE = [
  "http://example.com\\@127.0.0.1/",
  "http://example.com:80\\@127.0.0.1/",
  "http://a@b@127.0.0.1/",
  "http://@example.com/frame.png",
  "http://exa\tmple.com/frame.png",
];

/** The host an RFC 3986 reader sees (curl, urlsplit), splitting userinfo at the first or the last "@". */
function rfc3986Host(text: string, split: "first" | "last"): string | null {
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(text)?.[1];
  if (authority === undefined) return null;
  const at = split === "first" ? authority.indexOf("@") : authority.lastIndexOf("@");
  const hostPort = authority.slice(at + 1);
  const host = hostPort.startsWith("[") ? hostPort.slice(0, hostPort.indexOf("]") + 1) : hostPort.replace(/:\d*$/, "");
  return bare(host);
}
const bare = (host: string) => host.replace(/^\[|\]$/g, "").toLowerCase();

const GENERATE = `mutation Generate($input: GenerateVideoInput!) {
  generateVideo(input: $input) {
    __typename
    ... on InvalidInputError { fields { field message } }
    ... on GenerateVideoPayload { generation { id imageUrl } }
  }
}`;

const target = databaseTargets()[0]!;
let harness: Harness;
const outcomes = new Map<string, "refused" | string>();

beforeAll(async () => {
  harness = await startHarness(target, { start: false });
});
afterAll(() => harness?.close());

describe("SSRF parity: the host validated is the host sent", () => {
  it.each(CORPUS.map((input) => [JSON.stringify(input), input]))("%s", async (_label, imageUrl) => {
    const result = await harness.gql(GENERATE, { input: { ...VALID_INPUT, imageUrl } });
    expect(result.errors).toBeUndefined();
    const answer = result.data.generateVideo;
    if (answer.__typename === "InvalidInputError") {
      expect(answer.fields).toEqual([{ field: "imageUrl", message: expect.stringMatching(/^must /) }]);
      outcomes.set(imageUrl, "refused");
      return;
    }
    expect(answer.__typename).toBe("GenerateVideoPayload");
    const row = await harness.db.generation.findUniqueOrThrow({ where: { id: localId(answer.generation.id) } });
    const sent = JSON.parse(row.upstreamRequestBody).image_url as string;
    // One string everywhere: returned, stored, sent.
    expect(row.imageUrl).toBe(sent);
    expect(answer.generation.imageUrl).toBe(sent);
    outcomes.set(imageUrl, sent);

    const whatwg = new URL(sent);
    const validated = bare(whatwg.hostname);
    expect(unsafeHostProblem(whatwg)).toBeNull();
    expect(bare(legacyParse(sent).hostname ?? "")).toBe(validated);
    expect(rfc3986Host(sent, "first")).toBe(validated);
    expect(rfc3986Host(sent, "last")).toBe(validated);
    // Nothing a second reader could take for another part of the URL: no backslash or
    // whitespace anywhere, no "@" before the path.
    expect(sent).not.toMatch(/[\\\s]/);
    expect(/^[a-z]+:\/\/([^/?#]*)/.exec(sent)?.[1]).not.toContain("@");
  });

  it("refuses the inputs that exist to be read two ways", () => {
    for (const input of MUST_REFUSE) expect(outcomes.get(input), input).toBe("refused");
  });

  it("normalises what it accepts, so what is stored is the URL that was checked", () => {
    expect(outcomes.get("http://exa%6Dple.com/frame.png")).toBe("http://example.com/frame.png");
    expect(outcomes.get("HTTP://example.com:0080/frame.png")).toBe("http://example.com/frame.png");
    expect(outcomes.get("http://example.com/a b.png")).toBe("http://example.com/a%20b.png");
    expect(outcomes.get("http:example.com/frame.png")).toBe("http://example.com/frame.png");
  });
});
