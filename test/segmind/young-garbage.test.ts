import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { COLLECT_EVERY_BYTES, exposeCollector, youngCollector } from "../../src/segmind/young-garbage";

/**
 * A download's chunks are garbage outside V8's heap that V8 collects late (issue 8); the body
 * reader asks for a young-generation collection every COLLECT_EVERY_BYTES read. The memory
 * figures are bench/media-rss.ts's; these tests hold the mechanism.
 */
describe("young-generation collections while bodies are read", () => {
  it("collects once per COLLECT_EVERY_BYTES, counting across chunks", () => {
    const calls: unknown[] = [];
    const read = youngCollector((options) => calls.push(options));
    const chunk = 64 * 1024;
    for (let sent = 0; sent < 10 * COLLECT_EVERY_BYTES; sent += chunk) read(chunk);
    expect(calls).toHaveLength(10);
    expect(calls[0]).toEqual({ type: "minor", execution: "sync" });
  });

  it("does nothing without a collector", () => {
    expect(() => youngCollector(null)(10 * COLLECT_EVERY_BYTES)).not.toThrow();
  });

  it("obtains V8's gc without --expose-gc, a minor collection runs, and later contexts get no gc global", () => {
    const collect = exposeCollector();
    expect(collect).toBeTypeOf("function");
    expect(() => collect!({ type: "minor", execution: "sync" })).not.toThrow();
    expect(runInNewContext("typeof gc")).toBe("undefined");
  });
});
