import { describe, expect, it } from "vitest";

import { chooseByteRange } from "../../src/media/byte-range";

describe("chooseByteRange", () => {
  const size = 1000;

  it.each([
    ["bytes=0-", { kind: "partial", start: 0, end: 999 }],
    ["bytes=0-0", { kind: "partial", start: 0, end: 0 }],
    ["bytes=100-199", { kind: "partial", start: 100, end: 199 }],
    ["bytes=900-5000", { kind: "partial", start: 900, end: 999 }],
    ["bytes=999-", { kind: "partial", start: 999, end: 999 }],
    ["bytes=-1", { kind: "partial", start: 999, end: 999 }],
    ["bytes=-300", { kind: "partial", start: 700, end: 999 }],
    ["bytes=-5000", { kind: "partial", start: 0, end: 999 }],
    ["BYTES = 5-9", { kind: "partial", start: 5, end: 9 }],
    ["bytes=, 5-9 ,", { kind: "partial", start: 5, end: 9 }],
  ] as const)("%s -> partial", (header, expected) => {
    expect(chooseByteRange(header, size)).toEqual(expected);
  });

  it.each(["bytes=1000-", "bytes=1000-1001", "bytes=99999999999999999999-", "bytes=-0"])(
    "%s -> unsatisfiable",
    (header) => expect(chooseByteRange(header, size)).toEqual({ kind: "unsatisfiable" }),
  );

  it.each([
    null,
    "",
    "bytes=",
    "bytes=-",
    "bytes=5-2",
    "bytes=a-b",
    "bytes=1.5-2",
    "items=0-5",
    "bytes 0-5",
    "bytes=0-10,20-30",
    "bytes=0-1,2000-3000",
  ])("%j -> whole (absent, malformed, or multi-range)", (header) => {
    expect(chooseByteRange(header, size)).toEqual({ kind: "whole" });
  });

  it("nothing within an empty object is satisfiable", () => {
    expect(chooseByteRange("bytes=0-", 0)).toEqual({ kind: "unsatisfiable" });
    expect(chooseByteRange("bytes=-10", 0)).toEqual({ kind: "unsatisfiable" });
    expect(chooseByteRange(null, 0)).toEqual({ kind: "whole" });
  });
});
