import { canonicalTail } from "../../src/audit/chain";
import type { Db } from "../../src/db/client";

/**
 * PostgreSQL: what a process leaves when it stops between an audited commit and its seal (or
 * while seals fail): a KEY_CREATED entry committed `at`, still pending (src/audit/seal.ts).
 */
export async function leavePendingAuditEntry(db: Db, subjectId: string, at: Date): Promise<void> {
  const content = { at, action: "KEY_CREATED", actorKeyId: null, actorTeamId: null, clientAddress: null, subjectType: "ApiKey", subjectId, details: "{}" };
  await db.$executeRaw`INSERT INTO "AuditPending" ("at", "action", "subjectType", "subjectId", "details", "tail")
    VALUES (${at}, ${content.action}, ${content.subjectType}, ${subjectId}, ${content.details}, ${canonicalTail(content)})`;
}
