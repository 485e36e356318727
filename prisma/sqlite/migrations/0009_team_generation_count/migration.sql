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
    "generationCount" INTEGER NOT NULL DEFAULT 0,
    "createdAt" DATETIME NOT NULL,
    "updatedAt" DATETIME NOT NULL
);
INSERT INTO "new_Team" ("createdAt", "dailyLimitUsd", "heldUsd", "id", "maxConcurrent", "monthlyLimitUsd", "name", "requestsPerMinute", "spentDay", "spentDayUsd", "spentMonth", "spentMonthUsd", "updatedAt") SELECT "createdAt", "dailyLimitUsd", "heldUsd", "id", "maxConcurrent", "monthlyLimitUsd", "name", "requestsPerMinute", "spentDay", "spentDayUsd", "spentMonth", "spentMonthUsd", "updatedAt" FROM "Team";
DROP TABLE "Team";
ALTER TABLE "new_Team" RENAME TO "Team";
CREATE UNIQUE INDEX "Team_name_key" ON "Team"("name");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;


-- Team.generationCount follows every INSERT INTO "Generation", whoever inserts.
CREATE TRIGGER "Generation_count_team" AFTER INSERT ON "Generation"
  FOR EACH ROW WHEN NEW."teamId" IS NOT NULL
BEGIN
  UPDATE "Team" SET "generationCount" = "generationCount" + 1 WHERE "id" = NEW."teamId";
END;

-- The generations already there.
UPDATE "Team" SET "generationCount" = (SELECT COUNT(*) FROM "Generation" WHERE "Generation"."teamId" = "Team"."id");
