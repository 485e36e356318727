-- CreateTable
CREATE TABLE "Generation" (
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
    "createdAt" DATETIME NOT NULL,
    "updatedAt" DATETIME NOT NULL,
    "submittedAt" DATETIME,
    "completedAt" DATETIME
);

-- CreateTable
CREATE TABLE "GenerationEvent" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "generationId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "fromStatus" TEXT,
    "toStatus" TEXT,
    "method" TEXT,
    "path" TEXT,
    "httpStatus" INTEGER,
    "durationMs" INTEGER,
    "attempt" INTEGER,
    "errorCode" TEXT,
    "message" TEXT,
    "createdAt" DATETIME NOT NULL,
    CONSTRAINT "GenerationEvent_generationId_fkey" FOREIGN KEY ("generationId") REFERENCES "Generation" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "CreditSnapshot" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "upstream" TEXT NOT NULL,
    "credits" REAL NOT NULL,
    "freeCredits" REAL NOT NULL,
    "readAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE UNIQUE INDEX "Generation_idempotencyKey_key" ON "Generation"("idempotencyKey");

-- CreateIndex
CREATE INDEX "Generation_status_idx" ON "Generation"("status");

-- CreateIndex
CREATE INDEX "Generation_seed_idx" ON "Generation"("seed");

-- CreateIndex
CREATE INDEX "Generation_createdAt_idx" ON "Generation"("createdAt");

-- CreateIndex
CREATE INDEX "Generation_videoSha256_idx" ON "Generation"("videoSha256");

-- CreateIndex
CREATE INDEX "GenerationEvent_generationId_id_idx" ON "GenerationEvent"("generationId", "id");

-- CreateIndex
CREATE INDEX "CreditSnapshot_upstream_readAt_idx" ON "CreditSnapshot"("upstream", "readAt");

