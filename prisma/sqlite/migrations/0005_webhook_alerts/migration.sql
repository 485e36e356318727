-- CreateTable
CREATE TABLE "WebhookAlert" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "type" TEXT NOT NULL,
    "teamId" TEXT,
    "details" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "WebhookAlert_teamId_createdAt_idx" ON "WebhookAlert"("teamId", "createdAt");

