-- CreateTable
CREATE TABLE "GenerationBatch" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "teamId" TEXT,
    "apiKeyId" TEXT,
    "idempotencyKey" TEXT,
    "inputFingerprint" TEXT NOT NULL,
    "itemCount" INTEGER NOT NULL,
    "tags" TEXT NOT NULL DEFAULT '[]',
    "metadata" TEXT,
    "createdAt" DATETIME NOT NULL,
    CONSTRAINT "GenerationBatch_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "GenerationBatch_apiKeyId_fkey" FOREIGN KEY ("apiKeyId") REFERENCES "ApiKey" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "GenerationTag" (
    "generationId" TEXT NOT NULL,
    "tag" TEXT NOT NULL,

    PRIMARY KEY ("generationId", "tag"),
    CONSTRAINT "GenerationTag_generationId_fkey" FOREIGN KEY ("generationId") REFERENCES "Generation" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
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
    "upstreamWaitSince" DATETIME,
    "upstreamWaitReason" TEXT,
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
    "batchId" TEXT,
    "batchIndex" INTEGER,
    "tags" TEXT NOT NULL DEFAULT '[]',
    "metadata" TEXT,
    CONSTRAINT "Generation_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Generation_apiKeyId_fkey" FOREIGN KEY ("apiKeyId") REFERENCES "ApiKey" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Generation_derivedFromId_fkey" FOREIGN KEY ("derivedFromId") REFERENCES "Generation" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Generation_batchId_fkey" FOREIGN KEY ("batchId") REFERENCES "GenerationBatch" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_Generation" ("apiKeyId", "attempts", "cameraFixed", "cancelRequestedAt", "completedAt", "costUsd", "createdAt", "deadlineAt", "derivedFromId", "duration", "errorCode", "errorMessage", "estimatedCostUsd", "gatewayVersion", "id", "idempotencyKey", "imageBytes", "imageSha256", "imageUrl", "inputFingerprint", "mediaKey", "modelSlug", "nextAttemptAt", "prompt", "remainingCreditsUsd", "resolution", "seed", "seedSource", "status", "submittedAt", "teamId", "updatedAt", "upstream", "upstreamBaseUrl", "upstreamMode", "upstreamOutputUrl", "upstreamRequestBody", "upstreamRequestId", "upstreamSeed", "upstreamWaitReason", "upstreamWaitSince", "videoBytes", "videoContentType", "videoSha256") SELECT "apiKeyId", "attempts", "cameraFixed", "cancelRequestedAt", "completedAt", "costUsd", "createdAt", "deadlineAt", "derivedFromId", "duration", "errorCode", "errorMessage", "estimatedCostUsd", "gatewayVersion", "id", "idempotencyKey", "imageBytes", "imageSha256", "imageUrl", "inputFingerprint", "mediaKey", "modelSlug", "nextAttemptAt", "prompt", "remainingCreditsUsd", "resolution", "seed", "seedSource", "status", "submittedAt", "teamId", "updatedAt", "upstream", "upstreamBaseUrl", "upstreamMode", "upstreamOutputUrl", "upstreamRequestBody", "upstreamRequestId", "upstreamSeed", "upstreamWaitReason", "upstreamWaitSince", "videoBytes", "videoContentType", "videoSha256" FROM "Generation";
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
CREATE INDEX "Generation_batchId_batchIndex_idx" ON "Generation"("batchId", "batchIndex");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "GenerationBatch_idempotencyKey_key" ON "GenerationBatch"("idempotencyKey");

-- CreateIndex
CREATE INDEX "GenerationBatch_teamId_id_idx" ON "GenerationBatch"("teamId", "id");

-- CreateIndex
CREATE INDEX "GenerationTag_tag_idx" ON "GenerationTag"("tag");

