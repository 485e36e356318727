-- The running totals' trigger (0011), set-based: one UPDATE per owner however many closing
-- entries a statement inserts. 0011 updated the owner's row once per closing entry, and
-- PostgreSQL follows the row's chain of versions on every update of it in one transaction: an
-- INSERT of 100,000 SETTLE entries (the bench's seed of a team's month) ran for over 20
-- minutes. The same totals: a window moves to the latest day or month named, and only the
-- entries of the window the owner ends in add to it (an earlier one never did).
CREATE OR REPLACE FUNCTION "LedgerEntry_counts"() RETURNS trigger AS $$
BEGIN
  UPDATE "Team" SET "heldUsd" = "Team"."heldUsd" + "added"."amount"
  FROM (SELECT "teamId", SUM("amountUsd") AS "amount" FROM "inserted" WHERE "kind" = 'HOLD' GROUP BY "teamId") AS "added"
  WHERE "Team"."id" = "added"."teamId";
  UPDATE "ApiKey" SET "heldUsd" = "ApiKey"."heldUsd" + "added"."amount"
  FROM (SELECT "apiKeyId", SUM("amountUsd") AS "amount" FROM "inserted" WHERE "kind" = 'HOLD' AND "apiKeyId" IS NOT NULL GROUP BY "apiKeyId") AS "added"
  WHERE "ApiKey"."id" = "added"."apiKeyId";

  WITH "closing" AS (
    -- A generation's first SETTLE or RELEASE takes its HOLD back out of the open holds.
    SELECT n."teamId", n."apiKeyId",
      to_char(n."createdAt", 'YYYY-MM-DD') AS "day", to_char(n."createdAt", 'YYYY-MM') AS "month",
      CASE WHEN n."kind" = 'SETTLE' THEN n."amountUsd" ELSE 0 END AS "spent",
      CASE WHEN EXISTS (SELECT 1 FROM "LedgerEntry" o WHERE o."generationId" = n."generationId" AND o."kind" <> 'HOLD' AND o."id" < n."id") THEN 0
        ELSE COALESCE((SELECT h."amountUsd" FROM "LedgerEntry" h WHERE h."generationId" = n."generationId" AND h."kind" = 'HOLD' LIMIT 1), 0) END AS "held"
    FROM "inserted" n WHERE n."kind" <> 'HOLD'
  )
  UPDATE "Team" t SET
    "heldUsd" = t."heldUsd" - a."held",
    "spentDayUsd" = CASE WHEN t."spentDay" >= a."day"
      THEN t."spentDayUsd" + COALESCE((SELECT SUM(c."spent") FROM "closing" c WHERE c."teamId" = t."id" AND c."day" = t."spentDay"), 0)
      ELSE (SELECT SUM(c."spent") FROM "closing" c WHERE c."teamId" = t."id" AND c."day" = a."day") END,
    "spentDay" = GREATEST(t."spentDay", a."day"),
    "spentMonthUsd" = CASE WHEN t."spentMonth" >= a."month"
      THEN t."spentMonthUsd" + COALESCE((SELECT SUM(c."spent") FROM "closing" c WHERE c."teamId" = t."id" AND c."month" = t."spentMonth"), 0)
      ELSE (SELECT SUM(c."spent") FROM "closing" c WHERE c."teamId" = t."id" AND c."month" = a."month") END,
    "spentMonth" = GREATEST(t."spentMonth", a."month")
  FROM (SELECT "teamId", SUM("held") AS "held", MAX("day") AS "day", MAX("month") AS "month" FROM "closing" GROUP BY "teamId") a
  WHERE t."id" = a."teamId";
  WITH "closing" AS (
    -- A generation's first SETTLE or RELEASE takes its HOLD back out of the open holds.
    SELECT n."teamId", n."apiKeyId",
      to_char(n."createdAt", 'YYYY-MM-DD') AS "day", to_char(n."createdAt", 'YYYY-MM') AS "month",
      CASE WHEN n."kind" = 'SETTLE' THEN n."amountUsd" ELSE 0 END AS "spent",
      CASE WHEN EXISTS (SELECT 1 FROM "LedgerEntry" o WHERE o."generationId" = n."generationId" AND o."kind" <> 'HOLD' AND o."id" < n."id") THEN 0
        ELSE COALESCE((SELECT h."amountUsd" FROM "LedgerEntry" h WHERE h."generationId" = n."generationId" AND h."kind" = 'HOLD' LIMIT 1), 0) END AS "held"
    FROM "inserted" n WHERE n."kind" <> 'HOLD'
  )
  UPDATE "ApiKey" k SET
    "heldUsd" = k."heldUsd" - a."held",
    "spentDayUsd" = CASE WHEN k."spentDay" >= a."day"
      THEN k."spentDayUsd" + COALESCE((SELECT SUM(c."spent") FROM "closing" c WHERE c."apiKeyId" = k."id" AND c."day" = k."spentDay"), 0)
      ELSE (SELECT SUM(c."spent") FROM "closing" c WHERE c."apiKeyId" = k."id" AND c."day" = a."day") END,
    "spentDay" = GREATEST(k."spentDay", a."day"),
    "spentMonthUsd" = CASE WHEN k."spentMonth" >= a."month"
      THEN k."spentMonthUsd" + COALESCE((SELECT SUM(c."spent") FROM "closing" c WHERE c."apiKeyId" = k."id" AND c."month" = k."spentMonth"), 0)
      ELSE (SELECT SUM(c."spent") FROM "closing" c WHERE c."apiKeyId" = k."id" AND c."month" = a."month") END,
    "spentMonth" = GREATEST(k."spentMonth", a."month")
  FROM (SELECT "apiKeyId", SUM("held") AS "held", MAX("day") AS "day", MAX("month") AS "month" FROM "closing" WHERE "apiKeyId" IS NOT NULL GROUP BY "apiKeyId") a
  WHERE k."id" = a."apiKeyId";
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
