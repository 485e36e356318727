-- The audit head's hash follows the entry that ends the chain, in the INSERT of the entries:
-- an append is then two statements (move the head's sequence, insert the entries), not three.
-- Only the entry whose sequence is the head's moves it (the last of a multi-row append).
CREATE TRIGGER "AuditEntry_moves_head" AFTER INSERT ON "AuditEntry"
  FOR EACH ROW
BEGIN
  UPDATE "AuditHead" SET "hash" = NEW."hash" WHERE "id" = 1 AND "sequence" = NEW."sequence";
END;
