-- The running totals on Team and ApiKey (src/budget/counters.ts) follow every INSERT INTO
-- "LedgerEntry", in the same statement: a HOLD adds to its owner's open holds; a generation's
-- first SETTLE or RELEASE takes its HOLD back out of them (a HOLD with no SETTLE or RELEASE is
-- open, as migration 0008 defined it), and a SETTLE adds its amount to the UTC day and month of
-- its createdAt. A window moves on when the entry names a later one; an entry stamped with an
-- earlier window (a clock behind) adds to the month it still shares, if any. The gateway ran
-- these UPDATEs itself before: two more statements per ledger write.
-- Once per statement: a group commit's holds move each owner's total once.
CREATE FUNCTION "LedgerEntry_counts"() RETURNS trigger AS $$
BEGIN
  UPDATE "Team" SET "heldUsd" = "Team"."heldUsd" + "added"."amount"
  FROM (SELECT "teamId", SUM("amountUsd") AS "amount" FROM "inserted" WHERE "kind" = 'HOLD' GROUP BY "teamId") AS "added"
  WHERE "Team"."id" = "added"."teamId";
  UPDATE "ApiKey" SET "heldUsd" = "ApiKey"."heldUsd" + "added"."amount"
  FROM (SELECT "apiKeyId", SUM("amountUsd") AS "amount" FROM "inserted" WHERE "kind" = 'HOLD' AND "apiKeyId" IS NOT NULL GROUP BY "apiKeyId") AS "added"
  WHERE "ApiKey"."id" = "added"."apiKeyId";
  -- Closing entries one at a time, in order (closeHold writes one per statement).
  DECLARE
    "c" RECORD;
  BEGIN
    FOR "c" IN
      SELECT n."teamId", n."apiKeyId",
        to_char(n."createdAt", 'YYYY-MM-DD') AS "day",
        to_char(n."createdAt", 'YYYY-MM') AS "month",
        CASE WHEN n."kind" = 'SETTLE' THEN n."amountUsd" ELSE 0 END AS "spent",
        CASE WHEN EXISTS (SELECT 1 FROM "LedgerEntry" o WHERE o."generationId" = n."generationId" AND o."kind" <> 'HOLD' AND o."id" < n."id") THEN 0
          ELSE COALESCE((SELECT h."amountUsd" FROM "LedgerEntry" h WHERE h."generationId" = n."generationId" AND h."kind" = 'HOLD' LIMIT 1), 0) END AS "held"
      FROM "inserted" n WHERE n."kind" <> 'HOLD' ORDER BY n."id"
    LOOP
      UPDATE "Team" SET
    "heldUsd" = "heldUsd" - "c"."held",
    "spentDayUsd" = CASE WHEN "spentDay" = "c"."day" THEN "spentDayUsd" + "c"."spent" WHEN "spentDay" < "c"."day" THEN "c"."spent" ELSE "spentDayUsd" END,
    "spentDay" = CASE WHEN "spentDay" < "c"."day" THEN "c"."day" ELSE "spentDay" END,
    "spentMonthUsd" = CASE WHEN "spentMonth" = "c"."month" THEN "spentMonthUsd" + "c"."spent" WHEN "spentMonth" < "c"."month" THEN "c"."spent" ELSE "spentMonthUsd" END,
    "spentMonth" = CASE WHEN "spentMonth" < "c"."month" THEN "c"."month" ELSE "spentMonth" END
      WHERE "id" = "c"."teamId";
      UPDATE "ApiKey" SET
    "heldUsd" = "heldUsd" - "c"."held",
    "spentDayUsd" = CASE WHEN "spentDay" = "c"."day" THEN "spentDayUsd" + "c"."spent" WHEN "spentDay" < "c"."day" THEN "c"."spent" ELSE "spentDayUsd" END,
    "spentDay" = CASE WHEN "spentDay" < "c"."day" THEN "c"."day" ELSE "spentDay" END,
    "spentMonthUsd" = CASE WHEN "spentMonth" = "c"."month" THEN "spentMonthUsd" + "c"."spent" WHEN "spentMonth" < "c"."month" THEN "c"."spent" ELSE "spentMonthUsd" END,
    "spentMonth" = CASE WHEN "spentMonth" < "c"."month" THEN "c"."month" ELSE "spentMonth" END
      WHERE "id" = "c"."apiKeyId";
    END LOOP;
  END;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "LedgerEntry_counts" AFTER INSERT ON "LedgerEntry"
  REFERENCING NEW TABLE AS "inserted" FOR EACH STATEMENT EXECUTE FUNCTION "LedgerEntry_counts"();
