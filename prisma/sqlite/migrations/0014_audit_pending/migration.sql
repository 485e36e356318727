-- Audit entries written by their action's transaction and chained after its commit (PostgreSQL:
-- src/audit/seal.ts). SQLite keeps chaining in the transaction and leaves this table empty.
-- CreateTable
CREATE TABLE "AuditPending" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "at" DATETIME NOT NULL,
    "action" TEXT NOT NULL,
    "actorKeyId" TEXT,
    "actorTeamId" TEXT,
    "clientAddress" TEXT,
    "subjectType" TEXT,
    "subjectId" TEXT,
    "details" TEXT NOT NULL,
    "tail" TEXT NOT NULL
);

