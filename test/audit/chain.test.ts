import { describe, expect, it } from "vitest";
import { type AuditContent, type ChainedEntry, GENESIS_HASH, entryHash, verifyChain } from "../../src/audit/chain";

function chain(count: number): ChainedEntry[] {
  const entries: ChainedEntry[] = [];
  let prevHash = GENESIS_HASH;
  for (let sequence = 1; sequence <= count; sequence += 1) {
    const content: AuditContent = {
      sequence,
      at: new Date(Date.UTC(2026, 10, 24, 0, 0, sequence)),
      action: sequence % 2 ? "GENERATION_CREATED" : "KEY_CREATED",
      actorKeyId: `key-${sequence % 3}`,
      actorTeamId: "team-a",
      clientAddress: "203.0.113.7",
      subjectType: "Generation",
      subjectId: `gen-${sequence}`,
      details: JSON.stringify({ estimateUsd: 0.091 * sequence }),
    };
    const hash = entryHash(prevHash, content);
    entries.push({ ...content, prevHash, hash });
    prevHash = hash;
  }
  return entries;
}

describe("audit hash chain", () => {
  it("verifies an intact chain", () => {
    expect(verifyChain(chain(10))).toEqual({ entries: 10, firstProblem: null });
    expect(verifyChain([])).toEqual({ entries: 0, firstProblem: null });
  });

  it.each([
    ["details", (e: ChainedEntry) => ({ ...e, details: JSON.stringify({ estimateUsd: 0 }) })],
    ["actor", (e: ChainedEntry) => ({ ...e, actorKeyId: "key-evil" })],
    ["time", (e: ChainedEntry) => ({ ...e, at: new Date(e.at.getTime() + 1) })],
    ["action", (e: ChainedEntry) => ({ ...e, action: "GENERATION_CANCELED" })],
  ])("names the first edited entry (%s changed)", (_field, edit) => {
    const entries = chain(10);
    entries[4] = edit(entries[4] as ChainedEntry);
    expect(verifyChain(entries).firstProblem).toEqual({ kind: "EDITED", sequence: 5 });
  });

  it("catches an edit that also recomputed the entry's own hash: the next link breaks", () => {
    const entries = chain(10);
    const forged = { ...(entries[4] as ChainedEntry), details: "{}" };
    forged.hash = entryHash(forged.prevHash, forged);
    entries[4] = forged;
    expect(verifyChain(entries).firstProblem).toEqual({ kind: "BROKEN_LINK", sequence: 6 });
  });

  it("catches a deletion in the middle", () => {
    const entries = chain(10);
    entries.splice(6, 1);
    expect(verifyChain(entries).firstProblem).toEqual({ kind: "MISSING", sequence: 7 });
  });
});
