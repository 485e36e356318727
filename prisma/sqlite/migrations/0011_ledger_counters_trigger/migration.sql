-- The running totals on Team and ApiKey (src/budget/counters.ts) follow every INSERT INTO
-- "LedgerEntry", in the same statement: a HOLD adds to its owner's open holds; a generation's
-- first SETTLE or RELEASE takes its HOLD back out of them (a HOLD with no SETTLE or RELEASE is
-- open, as migration 0008 defined it), and a SETTLE adds its amount to the UTC day and month of
-- its createdAt. A window moves on when the entry names a later one; an entry stamped with an
-- earlier window (a clock behind) adds to the month it still shares, if any. The gateway ran
-- these UPDATEs itself before: two more statements per ledger write.

CREATE TRIGGER "LedgerEntry_counts_hold" AFTER INSERT ON "LedgerEntry"
  FOR EACH ROW WHEN NEW."kind" = 'HOLD'
BEGIN
  UPDATE "Team" SET "heldUsd" = "heldUsd" + NEW."amountUsd" WHERE "id" = NEW."teamId";
  UPDATE "ApiKey" SET "heldUsd" = "heldUsd" + NEW."amountUsd" WHERE "id" = NEW."apiKeyId";
END;

CREATE TRIGGER "LedgerEntry_counts_close" AFTER INSERT ON "LedgerEntry"
  FOR EACH ROW WHEN NEW."kind" <> 'HOLD'
BEGIN
  UPDATE "Team" SET
    "heldUsd" = "heldUsd" - "c"."held",
    "spentDayUsd" = CASE WHEN "spentDay" = "c"."day" THEN "spentDayUsd" + "c"."spent" WHEN "spentDay" < "c"."day" THEN "c"."spent" ELSE "spentDayUsd" END,
    "spentDay" = CASE WHEN "spentDay" < "c"."day" THEN "c"."day" ELSE "spentDay" END,
    "spentMonthUsd" = CASE WHEN "spentMonth" = "c"."month" THEN "spentMonthUsd" + "c"."spent" WHEN "spentMonth" < "c"."month" THEN "c"."spent" ELSE "spentMonthUsd" END,
    "spentMonth" = CASE WHEN "spentMonth" < "c"."month" THEN "c"."month" ELSE "spentMonth" END
  FROM (SELECT
      substr(NEW."createdAt", 1, 10) AS "day",
      substr(NEW."createdAt", 1, 7) AS "month",
      CASE WHEN NEW."kind" = 'SETTLE' THEN NEW."amountUsd" ELSE 0 END AS "spent",
      CASE WHEN EXISTS (SELECT 1 FROM "LedgerEntry" o WHERE o."generationId" = NEW."generationId" AND o."kind" <> 'HOLD' AND o."id" < NEW."id") THEN 0
        ELSE COALESCE((SELECT h."amountUsd" FROM "LedgerEntry" h WHERE h."generationId" = NEW."generationId" AND h."kind" = 'HOLD' LIMIT 1), 0) END AS "held"
    ) AS "c"
  WHERE "Team"."id" = NEW."teamId";
  UPDATE "ApiKey" SET
    "heldUsd" = "heldUsd" - "c"."held",
    "spentDayUsd" = CASE WHEN "spentDay" = "c"."day" THEN "spentDayUsd" + "c"."spent" WHEN "spentDay" < "c"."day" THEN "c"."spent" ELSE "spentDayUsd" END,
    "spentDay" = CASE WHEN "spentDay" < "c"."day" THEN "c"."day" ELSE "spentDay" END,
    "spentMonthUsd" = CASE WHEN "spentMonth" = "c"."month" THEN "spentMonthUsd" + "c"."spent" WHEN "spentMonth" < "c"."month" THEN "c"."spent" ELSE "spentMonthUsd" END,
    "spentMonth" = CASE WHEN "spentMonth" < "c"."month" THEN "c"."month" ELSE "spentMonth" END
  FROM (SELECT
      substr(NEW."createdAt", 1, 10) AS "day",
      substr(NEW."createdAt", 1, 7) AS "month",
      CASE WHEN NEW."kind" = 'SETTLE' THEN NEW."amountUsd" ELSE 0 END AS "spent",
      CASE WHEN EXISTS (SELECT 1 FROM "LedgerEntry" o WHERE o."generationId" = NEW."generationId" AND o."kind" <> 'HOLD' AND o."id" < NEW."id") THEN 0
        ELSE COALESCE((SELECT h."amountUsd" FROM "LedgerEntry" h WHERE h."generationId" = NEW."generationId" AND h."kind" = 'HOLD' LIMIT 1), 0) END AS "held"
    ) AS "c"
  WHERE "ApiKey"."id" = NEW."apiKeyId";
END;
