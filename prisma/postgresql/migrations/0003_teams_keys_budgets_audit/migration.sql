-- AlterTable
ALTER TABLE "Generation" ADD COLUMN     "apiKeyId" TEXT,
ADD COLUMN     "derivedFromId" TEXT,
ADD COLUMN     "estimatedCostUsd" DOUBLE PRECISION,
ADD COLUMN     "gatewayVersion" TEXT,
ADD COLUMN     "imageBytes" INTEGER,
ADD COLUMN     "imageSha256" TEXT,
ADD COLUMN     "teamId" TEXT;

-- CreateTable
CREATE TABLE "Team" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "dailyLimitUsd" DOUBLE PRECISION,
    "monthlyLimitUsd" DOUBLE PRECISION,
    "maxConcurrent" INTEGER,
    "requestsPerMinute" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Team_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "scopes" TEXT NOT NULL,
    "dailyLimitUsd" DOUBLE PRECISION,
    "monthlyLimitUsd" DOUBLE PRECISION,
    "maxConcurrent" INTEGER,
    "requestsPerMinute" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "revokedAt" TIMESTAMP(3),
    "lastUsedAt" TIMESTAMP(3),
    "replacesId" TEXT,

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LedgerEntry" (
    "id" SERIAL NOT NULL,
    "teamId" TEXT NOT NULL,
    "apiKeyId" TEXT,
    "generationId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "amountUsd" DOUBLE PRECISION NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "LedgerEntry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEntry" (
    "sequence" INTEGER NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "action" TEXT NOT NULL,
    "actorKeyId" TEXT,
    "actorTeamId" TEXT,
    "clientAddress" TEXT,
    "subjectType" TEXT,
    "subjectId" TEXT,
    "details" TEXT NOT NULL,
    "prevHash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "AuditEntry_pkey" PRIMARY KEY ("sequence")
);

-- CreateTable
CREATE TABLE "AuditHead" (
    "id" INTEGER NOT NULL,
    "sequence" INTEGER NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "AuditHead_pkey" PRIMARY KEY ("id")
);

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

-- CreateIndex
CREATE INDEX "Generation_teamId_id_idx" ON "Generation"("teamId", "id");

-- CreateIndex
CREATE INDEX "Generation_derivedFromId_idx" ON "Generation"("derivedFromId");

-- AddForeignKey
ALTER TABLE "Generation" ADD CONSTRAINT "Generation_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Generation" ADD CONSTRAINT "Generation_apiKeyId_fkey" FOREIGN KEY ("apiKeyId") REFERENCES "ApiKey"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Generation" ADD CONSTRAINT "Generation_derivedFromId_fkey" FOREIGN KEY ("derivedFromId") REFERENCES "Generation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LedgerEntry" ADD CONSTRAINT "LedgerEntry_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LedgerEntry" ADD CONSTRAINT "LedgerEntry_apiKeyId_fkey" FOREIGN KEY ("apiKeyId") REFERENCES "ApiKey"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LedgerEntry" ADD CONSTRAINT "LedgerEntry_generationId_fkey" FOREIGN KEY ("generationId") REFERENCES "Generation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


-- The chain starts empty: sequence 0, the genesis hash (see src/audit/chain.ts).
INSERT INTO "AuditHead" ("id", "sequence", "hash") VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
