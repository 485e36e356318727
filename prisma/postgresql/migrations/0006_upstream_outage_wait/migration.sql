-- AlterTable
ALTER TABLE "Generation" ADD COLUMN     "upstreamWaitReason" TEXT,
ADD COLUMN     "upstreamWaitSince" TIMESTAMP(3);

