-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Team" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "dailyLimitUsd" REAL,
    "monthlyLimitUsd" REAL,
    "maxConcurrent" INTEGER,
    "requestsPerMinute" INTEGER,
    "heldUsd" REAL NOT NULL DEFAULT 0,
    "spentDay" TEXT NOT NULL DEFAULT '',
    "spentDayUsd" REAL NOT NULL DEFAULT 0,
    "spentMonth" TEXT NOT NULL DEFAULT '',
    "spentMonthUsd" REAL NOT NULL DEFAULT 0,
    "createdAt" DATETIME NOT NULL,
    "updatedAt" DATETIME NOT NULL
);
INSERT INTO "new_Team" ("createdAt", "dailyLimitUsd", "id", "maxConcurrent", "monthlyLimitUsd", "name", "requestsPerMinute", "updatedAt") SELECT "createdAt", "dailyLimitUsd", "id", "maxConcurrent", "monthlyLimitUsd", "name", "requestsPerMinute", "updatedAt" FROM "Team";
DROP TABLE "Team";
ALTER TABLE "new_Team" RENAME TO "Team";
CREATE UNIQUE INDEX "Team_name_key" ON "Team"("name");
CREATE TABLE "new_ApiKey" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "teamId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "scopes" TEXT NOT NULL,
    "dailyLimitUsd" REAL,
    "monthlyLimitUsd" REAL,
    "maxConcurrent" INTEGER,
    "requestsPerMinute" INTEGER,
    "heldUsd" REAL NOT NULL DEFAULT 0,
    "spentDay" TEXT NOT NULL DEFAULT '',
    "spentDayUsd" REAL NOT NULL DEFAULT 0,
    "spentMonth" TEXT NOT NULL DEFAULT '',
    "spentMonthUsd" REAL NOT NULL DEFAULT 0,
    "createdAt" DATETIME NOT NULL,
    "revokedAt" DATETIME,
    "lastUsedAt" DATETIME,
    "replacesId" TEXT,
    CONSTRAINT "ApiKey_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_ApiKey" ("createdAt", "dailyLimitUsd", "hash", "id", "lastUsedAt", "maxConcurrent", "monthlyLimitUsd", "name", "prefix", "replacesId", "requestsPerMinute", "revokedAt", "scopes", "teamId") SELECT "createdAt", "dailyLimitUsd", "hash", "id", "lastUsedAt", "maxConcurrent", "monthlyLimitUsd", "name", "prefix", "replacesId", "requestsPerMinute", "revokedAt", "scopes", "teamId" FROM "ApiKey";
DROP TABLE "ApiKey";
ALTER TABLE "new_ApiKey" RENAME TO "ApiKey";
CREATE UNIQUE INDEX "ApiKey_prefix_key" ON "ApiKey"("prefix");
CREATE INDEX "ApiKey_teamId_idx" ON "ApiKey"("teamId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

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
  "spentDay" = strftime('%Y-%m-%d', 'now'),
  "spentDayUsd" = COALESCE((SELECT SUM(s."amountUsd") FROM "LedgerEntry" s
    WHERE s."teamId" = "Team"."id" AND s."kind" = 'SETTLE' AND substr(s."createdAt", 1, 10) = strftime('%Y-%m-%d', 'now')), 0),
  "spentMonth" = strftime('%Y-%m', 'now'),
  "spentMonthUsd" = COALESCE((SELECT SUM(s."amountUsd") FROM "LedgerEntry" s
    WHERE s."teamId" = "Team"."id" AND s."kind" = 'SETTLE' AND substr(s."createdAt", 1, 7) = strftime('%Y-%m', 'now')), 0);
UPDATE "ApiKey" SET
  "heldUsd" = COALESCE((SELECT SUM(h."amountUsd") FROM "LedgerEntry" h
    WHERE h."apiKeyId" = "ApiKey"."id" AND h."kind" = 'HOLD'
      AND NOT EXISTS (SELECT 1 FROM "LedgerEntry" c WHERE c."generationId" = h."generationId" AND c."kind" <> 'HOLD')), 0),
  "spentDay" = strftime('%Y-%m-%d', 'now'),
  "spentDayUsd" = COALESCE((SELECT SUM(s."amountUsd") FROM "LedgerEntry" s
    WHERE s."apiKeyId" = "ApiKey"."id" AND s."kind" = 'SETTLE' AND substr(s."createdAt", 1, 10) = strftime('%Y-%m-%d', 'now')), 0),
  "spentMonth" = strftime('%Y-%m', 'now'),
  "spentMonthUsd" = COALESCE((SELECT SUM(s."amountUsd") FROM "LedgerEntry" s
    WHERE s."apiKeyId" = "ApiKey"."id" AND s."kind" = 'SETTLE' AND substr(s."createdAt", 1, 7) = strftime('%Y-%m', 'now')), 0);
