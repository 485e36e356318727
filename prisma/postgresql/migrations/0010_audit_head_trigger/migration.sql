-- The audit head's hash follows the entry that ends the chain, in the INSERT of the entries:
-- an append is then two statements (move the head's sequence, insert the entries), not three.
-- Only the entry whose sequence is the head's moves it (the last of a multi-row append); one
-- UPDATE per statement.
CREATE FUNCTION "AuditEntry_moves_head"() RETURNS trigger AS $$
BEGIN
  UPDATE "AuditHead" SET "hash" = "inserted"."hash"
  FROM "inserted"
  WHERE "AuditHead"."id" = 1 AND "inserted"."sequence" = "AuditHead"."sequence";
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "AuditEntry_moves_head" AFTER INSERT ON "AuditEntry"
  REFERENCING NEW TABLE AS "inserted" FOR EACH STATEMENT EXECUTE FUNCTION "AuditEntry_moves_head"();
