-- A single audit entry in one statement on SQLite (src/audit/log.ts), as PostgreSQL's already
-- is: the INSERT takes its sequence and previous hash from the head row, and only if the head
-- is the one this process last left (sequence and hash; SQLite has no sha256 to hash the entry
-- in SQL, so the hash must be computed before, over the head it expects). An entry that comes
-- right after the head then moves the head to itself, here. The two-statement append (the
-- head's sequence moved first, then the entries up to it) never inserts past the head, so its
-- entries are left to AuditEntry_moves_head (0010).
CREATE TRIGGER "AuditEntry_advances_head" AFTER INSERT ON "AuditEntry"
  FOR EACH ROW WHEN NEW."sequence" = (SELECT "sequence" FROM "AuditHead" WHERE "id" = 1) + 1
BEGIN
  UPDATE "AuditHead" SET "sequence" = NEW."sequence", "hash" = NEW."hash" WHERE "id" = 1;
END;
