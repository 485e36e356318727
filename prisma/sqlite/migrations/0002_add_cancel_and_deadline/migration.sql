-- AlterTable
ALTER TABLE "Generation" ADD COLUMN "cancelRequestedAt" DATETIME;
ALTER TABLE "Generation" ADD COLUMN "deadlineAt" DATETIME;

-- CreateIndex
CREATE INDEX "Generation_deadlineAt_idx" ON "Generation"("deadlineAt");

