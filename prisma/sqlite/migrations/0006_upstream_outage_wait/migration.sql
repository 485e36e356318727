-- AlterTable
ALTER TABLE "Generation" ADD COLUMN "upstreamWaitReason" TEXT;
ALTER TABLE "Generation" ADD COLUMN "upstreamWaitSince" DATETIME;

