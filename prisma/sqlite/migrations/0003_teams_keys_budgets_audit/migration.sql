-- CreateTable
CREATE TABLE "Team" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "dailyLimitUsd" REAL,
    "monthlyLimitUsd" REAL,
    "maxConcurrent" INTEGER,
    "requestsPerMinute" INTEGER,
    "createdAt" DATETIME NOT NULL,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "ApiKey" (
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
    "createdAt" DATETIME NOT NULL,
    "revokedAt" DATETIME,
    "lastUsedAt" DATETIME,
    "replacesId" TEXT,
    CONSTRAINT "ApiKey_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "LedgerEntry" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "teamId" TEXT NOT NULL,
    "apiKeyId" TEXT,
    "generationId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "amountUsd" REAL NOT NULL,
    "createdAt" DATETIME NOT NULL,
    CONSTRAINT "LedgerEntry_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "LedgerEntry_apiKeyId_fkey" FOREIGN KEY ("apiKeyId") REFERENCES "ApiKey" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "LedgerEntry_generationId_fkey" FOREIGN KEY ("generationId") REFERENCES "Generation" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AuditEntry" (
    "sequence" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "at" DATETIME NOT NULL,
    "action" TEXT NOT NULL,
    "actorKeyId" TEXT,
    "actorTeamId" TEXT,
    "clientAddress" TEXT,
    "subjectType" TEXT,
    "subjectId" TEXT,
    "details" TEXT NOT NULL,
    "prevHash" TEXT NOT NULL,
    "hash" TEXT NOT NULL
);

-- CreateTable
CREATE TABLE "AuditHead" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "sequence" INTEGER NOT NULL,
    "hash" TEXT NOT NULL
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Generation" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "status" TEXT NOT NULL,
    "prompt" TEXT NOT NULL,
    "imageUrl" TEXT NOT NULL,
    "duration" INTEGER NOT NULL,
    "resolution" TEXT NOT NULL,
    "seed" INTEGER NOT NULL,
    "seedSource" TEXT NOT NULL,
    "cameraFixed" BOOLEAN NOT NULL,
    "idempotencyKey" TEXT,
    "inputFingerprint" TEXT NOT NULL,
    "upstream" TEXT NOT NULL,
    "upstreamBaseUrl" TEXT NOT NULL,
    "upstreamMode" TEXT NOT NULL,
    "modelSlug" TEXT NOT NULL,
    "upstreamRequestBody" TEXT NOT NULL,
    "upstreamRequestId" TEXT,
    "upstreamSeed" INTEGER,
    "costUsd" REAL,
    "remainingCreditsUsd" REAL,
    "upstreamOutputUrl" TEXT,
    "mediaKey" TEXT,
    "videoSha256" TEXT,
    "videoBytes" INTEGER,
    "videoContentType" TEXT,
    "errorCode" TEXT,
    "errorMessage" TEXT,
    "nextAttemptAt" DATETIME,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "deadlineAt" DATETIME,
    "cancelRequestedAt" DATETIME,
    "createdAt" DATETIME NOT NULL,
    "updatedAt" DATETIME NOT NULL,
    "submittedAt" DATETIME,
    "completedAt" DATETIME,
    "teamId" TEXT,
    "apiKeyId" TEXT,
    "estimatedCostUsd" REAL,
    "gatewayVersion" TEXT,
    "imageSha256" TEXT,
    "imageBytes" INTEGER,
    "derivedFromId" TEXT,
    CONSTRAINT "Generation_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Generation_apiKeyId_fkey" FOREIGN KEY ("apiKeyId") REFERENCES "ApiKey" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Generation_derivedFromId_fkey" FOREIGN KEY ("derivedFromId") REFERENCES "Generation" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_Generation" ("attempts", "cameraFixed", "cancelRequestedAt", "completedAt", "costUsd", "createdAt", "deadlineAt", "duration", "errorCode", "errorMessage", "id", "idempotencyKey", "imageUrl", "inputFingerprint", "mediaKey", "modelSlug", "nextAttemptAt", "prompt", "remainingCreditsUsd", "resolution", "seed", "seedSource", "status", "submittedAt", "updatedAt", "upstream", "upstreamBaseUrl", "upstreamMode", "upstreamOutputUrl", "upstreamRequestBody", "upstreamRequestId", "upstreamSeed", "videoBytes", "videoContentType", "videoSha256") SELECT "attempts", "cameraFixed", "cancelRequestedAt", "completedAt", "costUsd", "createdAt", "deadlineAt", "duration", "errorCode", "errorMessage", "id", "idempotencyKey", "imageUrl", "inputFingerprint", "mediaKey", "modelSlug", "nextAttemptAt", "prompt", "remainingCreditsUsd", "resolution", "seed", "seedSource", "status", "submittedAt", "updatedAt", "upstream", "upstreamBaseUrl", "upstreamMode", "upstreamOutputUrl", "upstreamRequestBody", "upstreamRequestId", "upstreamSeed", "videoBytes", "videoContentType", "videoSha256" FROM "Generation";
DROP TABLE "Generation";
ALTER TABLE "new_Generation" RENAME TO "Generation";
CREATE UNIQUE INDEX "Generation_idempotencyKey_key" ON "Generation"("idempotencyKey");
CREATE INDEX "Generation_status_idx" ON "Generation"("status");
CREATE INDEX "Generation_teamId_id_idx" ON "Generation"("teamId", "id");
CREATE INDEX "Generation_derivedFromId_idx" ON "Generation"("derivedFromId");
CREATE INDEX "Generation_deadlineAt_idx" ON "Generation"("deadlineAt");
CREATE INDEX "Generation_seed_idx" ON "Generation"("seed");
CREATE INDEX "Generation_createdAt_idx" ON "Generation"("createdAt");
CREATE INDEX "Generation_videoSha256_idx" ON "Generation"("videoSha256");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "Team_name_key" ON "Team"("name");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_prefix_key" ON "ApiKey"("prefix");

-- CreateIndex
CREATE INDEX "ApiKey_teamId_idx" ON "ApiKey"("teamId");

-- CreateIndex
CREATE INDEX "LedgerEntry_teamId_createdAt_idx" ON "LedgerEntry"("teamId", "createdAt");

-- CreateIndex
CREATE INDEX "LedgerEntry_apiKeyId_createdAt_idx" ON "LedgerEntry"("apiKeyId", "createdAt");

-- CreateIndex
CREATE INDEX "LedgerEntry_generationId_idx" ON "LedgerEntry"("generationId");

-- CreateIndex
CREATE INDEX "AuditEntry_actorTeamId_sequence_idx" ON "AuditEntry"("actorTeamId", "sequence");

-- CreateIndex
CREATE INDEX "AuditEntry_actorKeyId_sequence_idx" ON "AuditEntry"("actorKeyId", "sequence");

-- CreateIndex
CREATE INDEX "AuditEntry_action_sequence_idx" ON "AuditEntry"("action", "sequence");

-- CreateIndex
CREATE INDEX "AuditEntry_at_idx" ON "AuditEntry"("at");


-- The chain starts empty: sequence 0, the genesis hash (see src/audit/chain.ts).
INSERT INTO "AuditHead" ("id", "sequence", "hash") VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
