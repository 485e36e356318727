-- AlterTable
ALTER TABLE "Team" ADD COLUMN     "heldUsd" DOUBLE PRECISION NOT NULL DEFAULT 0,
ADD COLUMN     "spentDay" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "spentDayUsd" DOUBLE PRECISION NOT NULL DEFAULT 0,
ADD COLUMN     "spentMonth" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "spentMonthUsd" DOUBLE PRECISION NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "ApiKey" ADD COLUMN     "heldUsd" DOUBLE PRECISION NOT NULL DEFAULT 0,
ADD COLUMN     "spentDay" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "spentDayUsd" DOUBLE PRECISION NOT NULL DEFAULT 0,
ADD COLUMN     "spentMonth" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "spentMonthUsd" DOUBLE PRECISION NOT NULL DEFAULT 0;

-- CreateIndex
CREATE INDEX "Generation_teamId_status_idx" ON "Generation"("teamId", "status");

-- CreateIndex
CREATE INDEX "Generation_teamId_createdAt_idx" ON "Generation"("teamId", "createdAt");

-- CreateIndex
CREATE INDEX "Generation_apiKeyId_createdAt_idx" ON "Generation"("apiKeyId", "createdAt");

-- Backfill the running totals from the ledger (src/budget/counters.ts): open holds (a HOLD
-- with no SETTLE or RELEASE), and what was settled in the current UTC day and month.
UPDATE "Team" SET
  "heldUsd" = COALESCE((SELECT SUM(h."amountUsd") FROM "LedgerEntry" h
    WHERE h."teamId" = "Team"."id" AND h."kind" = 'HOLD'
      AND NOT EXISTS (SELECT 1 FROM "LedgerEntry" c WHERE c."generationId" = h."generationId" AND c."kind" <> 'HOLD')), 0),
  "spentDay" = to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
  "spentDayUsd" = COALESCE((SELECT SUM(s."amountUsd") FROM "LedgerEntry" s
    WHERE s."teamId" = "Team"."id" AND s."kind" = 'SETTLE' AND to_char(s."createdAt", 'YYYY-MM-DD') = to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD')), 0),
  "spentMonth" = to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM'),
  "spentMonthUsd" = COALESCE((SELECT SUM(s."amountUsd") FROM "LedgerEntry" s
    WHERE s."teamId" = "Team"."id" AND s."kind" = 'SETTLE' AND to_char(s."createdAt", 'YYYY-MM') = to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM')), 0);
UPDATE "ApiKey" SET
  "heldUsd" = COALESCE((SELECT SUM(h."amountUsd") FROM "LedgerEntry" h
    WHERE h."apiKeyId" = "ApiKey"."id" AND h."kind" = 'HOLD'
      AND NOT EXISTS (SELECT 1 FROM "LedgerEntry" c WHERE c."generationId" = h."generationId" AND c."kind" <> 'HOLD')), 0),
  "spentDay" = to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
  "spentDayUsd" = COALESCE((SELECT SUM(s."amountUsd") FROM "LedgerEntry" s
    WHERE s."apiKeyId" = "ApiKey"."id" AND s."kind" = 'SETTLE' AND to_char(s."createdAt", 'YYYY-MM-DD') = to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD')), 0),
  "spentMonth" = to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM'),
  "spentMonthUsd" = COALESCE((SELECT SUM(s."amountUsd") FROM "LedgerEntry" s
    WHERE s."apiKeyId" = "ApiKey"."id" AND s."kind" = 'SETTLE' AND to_char(s."createdAt", 'YYYY-MM') = to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM')), 0);
