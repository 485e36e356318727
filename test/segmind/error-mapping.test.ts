import { describe, expect, it } from "vitest";
import { createSegmindClient } from "../../src/segmind/client";
import { parseResetAt } from "../../src/segmind/error-mapping";
import type { SegmindErrorKind } from "../../src/segmind/errors";
import { API_KEY, expectSegmindError, requestBody } from "./helpers";

describe("parseResetAt (x-rate-limit-reset-at-utc has no documented format)", () => {
  it.each([
    ["2026-11-24T12:01:00Z", "2026-11-24T12:01:00.000Z"],
    ["2026-11-24T12:01:00.250+01:00", "2026-11-24T11:01:00.250Z"],
    ["2026-11-24T12:01:00", "2026-11-24T12:01:00.000Z"], // zone-less: the header says UTC
    ["2026-11-24 12:01:00", "2026-11-24T12:01:00.000Z"],
    ["Tue, 24 Nov 2026 12:01:00 GMT", "2026-11-24T12:01:00.000Z"],
    ["1795521660", "2026-11-24T12:01:00.000Z"], // epoch seconds
    ["1795521660000", "2026-11-24T12:01:00.000Z"], // epoch milliseconds
    ["  1795521660  ", "2026-11-24T12:01:00.000Z"],
  ])("reads %j", (header, iso) => {
    expect(parseResetAt(header)?.toISOString()).toBe(iso);
  });

  it.each([null, "", "soon", "2026-13-45T99:99:99Z"])("gives undefined for %j", (header) => {
    expect(parseResetAt(header)).toBeUndefined();
  });
});

describe("fetch rejections by undici error code", () => {
  const rejecting = (cause: unknown) =>
    createSegmindClient({
      baseUrl: "http://segmind.invalid",
      apiKey: API_KEY,
      fetch: async () => {
        throw new TypeError("fetch failed", { cause });
      },
    });
  const coded = (code: string) => Object.assign(new Error(`${code} happened`), { code });

  it.each<[string, unknown, SegmindErrorKind]>([
    ["DNS failure", coded("ENOTFOUND"), "CONNECT_FAILED"],
    ["DNS try-again", coded("EAI_AGAIN"), "CONNECT_FAILED"],
    ["connect timeout", coded("UND_ERR_CONNECT_TIMEOUT"), "CONNECT_FAILED"],
    ["refused on every address", new AggregateError([coded("ECONNREFUSED"), coded("ECONNREFUSED")]), "CONNECT_FAILED"],
    ["refused on one address, reset on another", new AggregateError([coded("ECONNREFUSED"), coded("ECONNRESET")]), "CONNECTION_DROPPED"],
    ["reset", coded("ECONNRESET"), "CONNECTION_DROPPED"],
    ["other side closed", coded("UND_ERR_SOCKET"), "CONNECTION_DROPPED"],
    ["broken pipe", coded("EPIPE"), "CONNECTION_DROPPED"],
    ["undici headers timeout", coded("UND_ERR_HEADERS_TIMEOUT"), "TIMEOUT"],
    ["no code at all", new Error("mystery"), "CONNECTION_DROPPED"],
  ])("%s -> %s", async (_name, cause, kind) => {
    const error = await expectSegmindError(rejecting(cause).submit(requestBody()), kind);
    expect(error.httpStatus).toBeNull();
  });
});
