// openDatabase on both providers: migrated, Prisma round-trips through the
// provider's adapter, and every operation reaches onQuery.
import { sqltag } from "@prisma/client/runtime/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseProvider, openDatabase, type OpenDatabase, type QueryEvent } from "../../src/db/client";
import { describeEachDatabase, type FreshDatabase } from "../support/databases";

describe("databaseProvider", () => {
  it("maps file: to sqlite and postgres(ql):// to postgresql", () => {
    expect(databaseProvider("file:./data/gateway.db")).toBe("sqlite");
    expect(databaseProvider("postgresql://u@h:5432/db")).toBe("postgresql");
    expect(databaseProvider("postgres://u@h/db")).toBe("postgresql");
  });

  it("names DATABASE_URL when the scheme is unsupported", () => {
    expect(() => databaseProvider("mysql://root@localhost/test")).toThrow(/DATABASE_URL.*mysql:/);
    expect(() => databaseProvider("")).toThrow(/DATABASE_URL/);
  });
});

describeEachDatabase("openDatabase", (target) => {
  let database: FreshDatabase;
  let opened: OpenDatabase;
  const queries: QueryEvent[] = [];

  beforeAll(async () => {
    database = await target.createDatabase();
    opened = await openDatabase(database.url, { onQuery: (query) => queries.push(query) });
  });
  afterAll(async () => {
    await opened?.close();
    await database?.drop();
  });

  it("reports its provider", () => {
    expect(opened.provider).toBe(target.provider);
  });

  it("round-trips a Generation with its events", async () => {
    const createdAt = new Date("2026-11-01T10:00:00.123Z");
    await opened.db.generation.create({
      data: {
        id: "0192f0c4-0000-7000-8000-000000000001",
        status: "QUEUED",
        prompt: "a red fox in the snow",
        imageUrl: "https://example.com/fox.png",
        duration: 5,
        resolution: "720p",
        seed: 2147483647,
        seedSource: "GATEWAY",
        cameraFixed: true,
        inputFingerprint: "f".repeat(64),
        upstream: "sandbox",
        upstreamBaseUrl: "http://127.0.0.1:1",
        upstreamMode: "v2",
        modelSlug: "seedance-v1-lite-image-to-video",
        upstreamRequestBody: '{"prompt":"a red fox in the snow"}',
        costUsd: 0.125,
        createdAt,
        updatedAt: createdAt,
        events: {
          create: [
            { type: "STATUS_CHANGED", toStatus: "QUEUED", createdAt },
            { type: "UPSTREAM_CALL", method: "POST", path: "/v2/x", httpStatus: 200, durationMs: 12, attempt: 1, createdAt },
          ],
        },
      },
    });

    const found = await opened.db.generation.findUniqueOrThrow({
      where: { id: "0192f0c4-0000-7000-8000-000000000001" },
      include: { events: { orderBy: { id: "asc" } } },
    });
    expect(found).toMatchObject({ seed: 2147483647, cameraFixed: true, costUsd: 0.125, attempts: 0, idempotencyKey: null });
    expect(found.createdAt).toEqual(createdAt);
    expect(found.events.map((event) => event.type)).toEqual(["STATUS_CHANGED", "UPSTREAM_CALL"]);
    expect(found.events[1]!.id).toBeGreaterThan(found.events[0]!.id);
  });

  it("enforces the Restrict relation: a generation with events cannot be deleted", async () => {
    await expect(opened.db.generation.delete({ where: { id: "0192f0c4-0000-7000-8000-000000000001" } })).rejects.toThrow();
  });

  it("passes every operation to onQuery", async () => {
    queries.length = 0;
    await opened.db.generation.findMany();
    await opened.db.generationEvent.count();
    await opened.db.$queryRawUnsafe("SELECT 1");
    expect(queries.map(({ model, operation }) => ({ model, operation }))).toEqual([
      { model: "Generation", operation: "findMany" },
      { model: "GenerationEvent", operation: "count" },
      { model: undefined, operation: "$queryRawUnsafe" },
    ]);
    for (const query of queries) expect(query.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("runs a statement of Prisma's sql tag on the adapter ($rows): bound as $queryRaw binds it, rows typed as it types them, reported to onQuery", async () => {
    const id = "0192f0c4-0000-7000-8000-000000000002";
    const at = new Date("2026-11-02T08:30:00.045Z");
    await opened.db.generation.create({
      data: {
        id,
        status: "QUEUED",
        prompt: "a heron",
        imageUrl: "https://example.com/heron.png",
        duration: 5,
        resolution: "480p",
        seed: 7,
        seedSource: "CLIENT",
        cameraFixed: true,
        inputFingerprint: "e".repeat(64),
        upstream: "sandbox",
        upstreamBaseUrl: "http://127.0.0.1:1",
        upstreamMode: "v2",
        modelSlug: "seedance-v1-lite-image-to-video",
        upstreamRequestBody: "{}",
        createdAt: at,
        updatedAt: at,
      },
    });
    queries.length = 0;
    const inserted = await opened.db.$rows.execute(
      { model: "GenerationEvent", operation: "createMany" },
      sqltag`INSERT INTO "GenerationEvent" ("generationId", "type", "httpStatus", "message", "createdAt") VALUES (${id}, ${"UPSTREAM_CALL"}, ${200}, ${null}, ${at}), (${id}, ${"NOTE"}, ${null}, ${"it's ? $1 'quoted'"}, ${at})`,
    );
    expect(inserted).toBe(2);
    expect(queries.map(({ model, operation }) => ({ model, operation }))).toEqual([{ model: "GenerationEvent", operation: "createMany" }]);
    const events = await opened.db.generationEvent.findMany({ where: { generationId: id }, orderBy: { id: "asc" } });
    expect(events.map(({ type, httpStatus, message, createdAt }) => ({ type, httpStatus, message, createdAt }))).toEqual([
      { type: "UPSTREAM_CALL", httpStatus: 200, message: null, createdAt: at },
      { type: "NOTE", httpStatus: null, message: "it's ? $1 'quoted'", createdAt: at },
    ]);

    const later = new Date("2026-11-02T08:31:00.500Z");
    const move = () =>
      sqltag`UPDATE "Generation" SET "costUsd" = ${0.375}, "attempts" = ${2}, "cameraFixed" = ${false}, "completedAt" = ${later}, "errorMessage" = ${null} WHERE "id" = ${id} RETURNING *`;
    const viaAdapter = await opened.db.$rows.run({ model: "Generation", operation: "updateMany" }, move());
    const viaPrisma = await opened.db.$queryRaw<Record<string, unknown>[]>(move());
    expect(viaAdapter).toEqual(viaPrisma);
    expect(viaAdapter[0]).toMatchObject({ id, costUsd: 0.375, attempts: 2, cameraFixed: false, completedAt: later, createdAt: at, errorMessage: null });
  });
});
