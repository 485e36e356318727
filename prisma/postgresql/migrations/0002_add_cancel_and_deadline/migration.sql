-- AlterTable
ALTER TABLE "Generation" ADD COLUMN     "cancelRequestedAt" TIMESTAMP(3),
ADD COLUMN     "deadlineAt" TIMESTAMP(3);

-- CreateIndex
CREATE INDEX "Generation_deadlineAt_idx" ON "Generation"("deadlineAt");

