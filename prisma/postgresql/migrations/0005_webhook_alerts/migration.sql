-- CreateTable
CREATE TABLE "WebhookAlert" (
    "key" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "teamId" TEXT,
    "details" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "WebhookAlert_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "WebhookAlert_teamId_createdAt_idx" ON "WebhookAlert"("teamId", "createdAt");

