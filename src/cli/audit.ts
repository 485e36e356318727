import type { Db } from "../db/client";
import { verifyAuditTrail } from "../audit/log";

/**
 * `npm run audit -- verify`: walks the whole hash chain on the database and says whether it
 * holds. Parsing and printing only; the check is src/audit/log.ts (verifyAuditTrail).
 */
export const AUDIT_USAGE = `Usage: npm run audit -- <command>

  verify [--json]    check the whole audit chain: every entry's hash, every link, no gaps,
                     and the head row against the newest entry. Exit 0 when intact,
                     1 naming the first broken entry.

DATABASE_URL chooses the database (default file:./data/gateway.db).`;

const PROBLEM_TEXT = {
  EDITED: "its content no longer matches its hash (edited)",
  BROKEN_LINK: "its prevHash is not the previous entry's hash (an earlier entry was rewritten)",
  MISSING: "it is missing (deleted)",
} as const;

export interface AuditCliIo {
  out(line: string): void;
  err(line: string): void;
}

/** Runs one command; returns the process exit code (0 intact, 1 broken, 2 usage). */
export async function runAuditCommand(argv: string[], deps: { db: Db }, io: AuditCliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    io.out(AUDIT_USAGE);
    return command === undefined ? 2 : 0;
  }
  const json = rest.includes("--json");
  const unknown = rest.filter((arg) => arg !== "--json");
  if (command !== "verify" || unknown.length > 0) {
    io.err(`error: unknown command or option "${[command, ...unknown].join(" ")}"\n\n${AUDIT_USAGE}`);
    return 2;
  }

  const verdict = await verifyAuditTrail(deps.db);
  const intact = verdict.firstProblem === null && verdict.headMatches;
  if (json) {
    io.out(JSON.stringify({ intact, ...verdict }));
    return intact ? 0 : 1;
  }
  if (verdict.firstProblem) {
    const { kind, sequence } = verdict.firstProblem;
    io.out(`Audit trail BROKEN at entry ${sequence} (${kind}): ${PROBLEM_TEXT[kind]}.`);
    io.out(`Entries checked up to there: ${verdict.entries}.`);
    return 1;
  }
  if (!verdict.headMatches) {
    io.out(
      `Audit trail BROKEN after entry ${verdict.entries} (TRUNCATED): the head row remembers a later entry, so the newest entries were deleted (or the head was edited).`,
    );
    return 1;
  }
  io.out(`Audit trail OK: ${verdict.entries} entries checked, chain intact.`);
  return 0;
}
