-- AlterTable
ALTER TABLE "Generation" ADD COLUMN     "batchId" TEXT,
ADD COLUMN     "batchIndex" INTEGER,
ADD COLUMN     "metadata" TEXT,
ADD COLUMN     "tags" TEXT NOT NULL DEFAULT '[]';

-- CreateTable
CREATE TABLE "GenerationBatch" (
    "id" TEXT NOT NULL,
    "teamId" TEXT,
    "apiKeyId" TEXT,
    "idempotencyKey" TEXT,
    "inputFingerprint" TEXT NOT NULL,
    "itemCount" INTEGER NOT NULL,
    "tags" TEXT NOT NULL DEFAULT '[]',
    "metadata" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "GenerationBatch_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "GenerationTag" (
    "generationId" TEXT NOT NULL,
    "tag" TEXT NOT NULL,

    CONSTRAINT "GenerationTag_pkey" PRIMARY KEY ("generationId","tag")
);

-- CreateIndex
CREATE UNIQUE INDEX "GenerationBatch_idempotencyKey_key" ON "GenerationBatch"("idempotencyKey");

-- CreateIndex
CREATE INDEX "GenerationBatch_teamId_id_idx" ON "GenerationBatch"("teamId", "id");

-- CreateIndex
CREATE INDEX "GenerationTag_tag_idx" ON "GenerationTag"("tag");

-- CreateIndex
CREATE INDEX "Generation_batchId_batchIndex_idx" ON "Generation"("batchId", "batchIndex");

-- AddForeignKey
ALTER TABLE "Generation" ADD CONSTRAINT "Generation_batchId_fkey" FOREIGN KEY ("batchId") REFERENCES "GenerationBatch"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GenerationBatch" ADD CONSTRAINT "GenerationBatch_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GenerationBatch" ADD CONSTRAINT "GenerationBatch_apiKeyId_fkey" FOREIGN KEY ("apiKeyId") REFERENCES "ApiKey"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GenerationTag" ADD CONSTRAINT "GenerationTag_generationId_fkey" FOREIGN KEY ("generationId") REFERENCES "Generation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

