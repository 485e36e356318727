-- AlterTable
ALTER TABLE "Team" ADD COLUMN     "generationCount" INTEGER NOT NULL DEFAULT 0;


-- Team.generationCount follows every INSERT INTO "Generation", whoever inserts: one UPDATE
-- per statement and team (a group commit's createMany counts all its rows at once).
CREATE FUNCTION "Generation_count_team"() RETURNS trigger AS $$
BEGIN
  UPDATE "Team" SET "generationCount" = "Team"."generationCount" + "added"."n"
  FROM (SELECT "teamId", COUNT(*) AS "n" FROM "inserted" WHERE "teamId" IS NOT NULL GROUP BY "teamId") AS "added"
  WHERE "Team"."id" = "added"."teamId";
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "Generation_count_team" AFTER INSERT ON "Generation"
  REFERENCING NEW TABLE AS "inserted" FOR EACH STATEMENT EXECUTE FUNCTION "Generation_count_team"();

-- The generations already there.
UPDATE "Team" SET "generationCount" = (SELECT COUNT(*) FROM "Generation" WHERE "Generation"."teamId" = "Team"."id");
