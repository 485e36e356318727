import { BlockList, isIP } from "node:net";

/**
 * Refuses first-frame URLs that obviously point inside a network rather than at the public
 * internet: Segmind (and anything else that dereferences the URL for us) must not be turned
 * into a proxy to loopback, private ranges, link-local addresses or cloud metadata services.
 *
 * Literal checks only, on the host as WHATWG `new URL` normalises it: `http://2130706433/`,
 * `http://0x7f.1/` and `http://0177.0.0.1/` all arrive here as `127.0.0.1`, and an IPv6 host
 * as its compressed hex form (`[::ffff:7f00:1]`). No DNS resolution: a public name that
 * resolves to a private address (or is re-bound to one later) is not caught here.
 */

const BLOCKED = new BlockList();
const BLOCKED_IPV4: ReadonlyArray<[string, number]> = [
  ["0.0.0.0", 8], // "this network", incl. the unspecified 0.0.0.0
  ["10.0.0.0", 8], // private
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local, incl. the 169.254.169.254 metadata service
  ["172.16.0.0", 12], // private
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // documentation (TEST-NET-1)
  ["192.168.0.0", 16], // private
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24], // documentation (TEST-NET-2)
  ["203.0.113.0", 24], // documentation (TEST-NET-3)
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, incl. broadcast 255.255.255.255
];
const BLOCKED_IPV6: ReadonlyArray<[string, number]> = [
  ["::", 128], // unspecified
  ["::1", 128], // loopback
  ["fc00::", 7], // unique local, incl. fd00:ec2::254 (AWS metadata over IPv6)
  ["fe80::", 10], // link-local
  ["fec0::", 10], // site-local (deprecated, still routed internally by some networks)
  ["ff00::", 8], // multicast
  ["2001:db8::", 32], // documentation
  ["2001::", 32], // Teredo: tunnels to an IPv4 address it obfuscates
  ["100::", 64], // discard-only
];
for (const [network, prefix] of BLOCKED_IPV4) BLOCKED.addSubnet(network, prefix, "ipv4");
// BlockList also matches IPv4-mapped IPv6 (::ffff:a.b.c.d) against the IPv4 rules above.
for (const [network, prefix] of BLOCKED_IPV6) BLOCKED.addSubnet(network, prefix, "ipv6");

/** Names that are never public: they resolve to this machine, the LAN, or a metadata service. */
const BLOCKED_NAMES = new Set(["localhost", "metadata", "metadata.google.internal", "instance-data"]);
/** Special-use suffixes (RFC 6761 / 6762 / 8375, ICANN's .internal) that never name a public host. */
const BLOCKED_SUFFIXES = [".localhost", ".local", ".internal", ".home.arpa", ".localdomain"];

/**
 * Why this URL's host must not be fetched, or null when it is an acceptable public host.
 * `url` must already be a parsed http(s) URL.
 */
export function unsafeHostProblem(url: URL): string | null {
  // Brackets are part of an IPv6 URL host; a trailing dot is the DNS root and names the same host.
  const host = url.hostname.replace(/^\[|\]$/g, "").replace(/\.+$/, "").toLowerCase();
  const family = isIP(host);
  if (family === 4) return BLOCKED.check(host, "ipv4") ? NOT_PUBLIC_ADDRESS : null;
  if (family === 6) {
    if (BLOCKED.check(host, "ipv6")) return NOT_PUBLIC_ADDRESS;
    const embedded = embeddedIpv4(host);
    if (embedded !== null && (embedded === "" || BLOCKED.check(embedded, "ipv4"))) return NOT_PUBLIC_ADDRESS;
    return null;
  }
  if (host.length === 0) return "must name a host";
  if (BLOCKED_NAMES.has(host) || BLOCKED_SUFFIXES.some((suffix) => host.endsWith(suffix)))
    return "must not point at localhost, an internal name or a cloud metadata service";
  // A single-label name ("intranet", "db") is completed by the fetcher's search domains: internal.
  if (!host.includes(".")) return "must use a fully qualified public host name";
  return null;
}

const NOT_PUBLIC_ADDRESS =
  "must not point at a loopback, private, link-local, reserved or metadata address";

/**
 * The IPv4 address an IPv6 address carries inside it, for the forms that route to it:
 * NAT64 (64:ff9b::a.b.c.d) and 6to4 (2002:AABB:CCDD::). "" when the address must be refused
 * whatever it carries (IPv4-compatible ::a.b.c.d, or unparsable); null for plain IPv6.
 * (IPv4-mapped ::ffff:a.b.c.d is matched by BlockList itself.)
 */
function embeddedIpv4(address: string): string | null {
  const words = ipv6Words(address);
  if (!words) return "";
  const fromWords = (high: number, low: number) =>
    [high >> 8, high & 0xff, low >> 8, low & 0xff].join(".");
  const zeros = (from: number, to: number) => words.slice(from, to).every((word) => word === 0);
  if (zeros(0, 6)) return ""; // IPv4-compatible ::a.b.c.d: deprecated, never a public host
  if (words[0] === 0x64 && words[1] === 0xff9b && zeros(2, 6))
    return fromWords(words[6] as number, words[7] as number); // NAT64 well-known prefix
  if (words[0] === 0x2002) return fromWords(words[1] as number, words[2] as number); // 6to4
  return null;
}

/** The eight 16-bit words of an IPv6 address (which `isIP` already accepted), or null. */
function ipv6Words(address: string): number[] | null {
  let text = address.replace(/%.*$/, ""); // a zone id (fe80::1%eth0) does not change the address
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const parse = (part: string) => (part === "" ? [] : part.split(":").map((word) => Number.parseInt(word, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const missing = 8 - left.length - right.length;
  if (missing < 0 || (tail === undefined && missing !== 0)) return null;
  const words = [...left, ...new Array<number>(missing).fill(0), ...right];
  return words.every((word) => Number.isInteger(word) && word >= 0 && word <= 0xffff) ? words : null;
}
