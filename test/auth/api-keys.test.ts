import { describe, expect, it } from "vitest";
import { KEY_MARKER, hashApiKey, keyMatches, keyPrefix, mintApiKey } from "../../src/auth/api-keys";

describe("API keys", () => {
  it("are random, recognisable, and stored only as a hash", () => {
    const a = mintApiKey();
    const b = mintApiKey();
    expect(a.key).toMatch(/^sgw_live_[0-9a-z]{8}_[0-9A-Za-z]{32}$/);
    expect(a.key).not.toBe(b.key);
    expect(a.prefix).toBe(a.key.slice(KEY_MARKER.length, KEY_MARKER.length + 8));
    expect(a.hash).toBe(hashApiKey(a.key));
    expect(a.hash).not.toContain(a.key.slice(-32));
  });

  it("parses the prefix only from well-formed keys", () => {
    const { key, prefix } = mintApiKey();
    expect(keyPrefix(key)).toBe(prefix);
    for (const bad of ["", "Bearer x", `${key}x`, key.slice(0, -1), key.replace("sgw_live_", "sgw_test_"), ` ${key}`]) {
      expect(keyPrefix(bad)).toBeNull();
    }
  });

  it("matches a key against its hash and nothing else", () => {
    const { key, hash } = mintApiKey();
    expect(keyMatches(key, hash)).toBe(true);
    expect(keyMatches(mintApiKey().key, hash)).toBe(false);
    expect(keyMatches(key, "abcd")).toBe(false);
  });

  it("draws characters uniformly enough (no modulo bias toward the first ones)", () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 2_000; i += 1) {
      for (const char of mintApiKey().prefix) counts.set(char, (counts.get(char) ?? 0) + 1);
    }
    const values = [...counts.values()];
    expect(counts.size).toBe(36);
    // 16,000 draws over 36 symbols: ~444 each; a biased generator skews far outside this band.
    expect(Math.min(...values)).toBeGreaterThan(330);
    expect(Math.max(...values)).toBeLessThan(560);
  });
});
