// A history page reads only the Generation columns its selection needs
// (src/generations/generation-selection.ts). Every field of Generation in the schema, with its
// own sub-selection, must answer the same through a page (those columns) as through `nodes`
// (whole rows by id), on rows where every column the fields show holds a value in some row.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type GraphQLField, type GraphQLObjectType, buildSchema, getNamedType, isLeafType, isObjectType } from "graphql";
import { afterAll, beforeAll, expect, it } from "vitest";
import { countStatements, installCounter } from "../../bench/lib/statement-counter";
import { describeEachDatabase } from "../support/databases";
import { type Harness, VALID_INPUT, localId, startHarness } from "../support/harness";
import { GENERATE_VIDEOS, item } from "./batch-support";

const schema = buildSchema(readFileSync(join(import.meta.dirname, "../../schema.graphql"), "utf8"));
const generationType = schema.getType("Generation") as GraphQLObjectType;

/** A field with a selection of every leaf below it, two levels deep (a nested object's leaves). */
function selectionOf(field: GraphQLField<unknown, unknown>, depth = 0): string {
  const type = getNamedType(field.type);
  if (isLeafType(type)) return field.name;
  if (!isObjectType(type) || depth > 1) return "";
  const inner = Object.values(type.getFields())
    .filter((child) => !child.args.some((arg) => arg.type.toString().endsWith("!")))
    .map((child) => selectionOf(child, depth + 1))
    .filter(Boolean);
  return inner.length ? `${field.name} { ${inner.join(" ")} }` : "";
}

/**
 * Each field with its whole selection, and each leaf of an object below it alone (`manifest {
 * requestedSeed }` reads a column the rest of the manifest would bring along); not the leaves of
 * derivedFrom and derivations, which are generations loaded whole by id.
 */
const FIELDS = Object.values(generationType.getFields()).flatMap((field) => {
  const type = getNamedType(field.type);
  const alone = isObjectType(type) && type !== generationType ? Object.values(type.getFields()).filter((child) => isLeafType(getNamedType(child.type))) : [];
  return [
    { name: field.name, selection: selectionOf(field) },
    ...alone.map((child) => ({ name: `${field.name}.${child.name}`, selection: `${field.name} { ${child.name} }` })),
  ];
});

describeEachDatabase("a page reads only the columns its selection needs", (target) => {
  let harness: Harness;
  let ids: string[];
  let globalIds: string[];

  beforeAll(async () => {
    installCounter();
    // No worker: rows keep the states written below. A fixed clock: progress and estimates do not move between reads.
    const now = new Date("2026-11-29T12:00:00Z");
    harness = await startHarness(target, { start: false, clock: { now: () => now } });
    globalIds = [];
    for (const seed of [1, 2, 3, 4]) {
      const answer = await harness.generate({ ...VALID_INPUT, seed, tags: ["t1", `seed-${seed}`], metadata: { seed }, idempotencyKey: `k-${seed}` });
      globalIds.push(answer.generation.id);
    }
    const batch = await harness.gql(GENERATE_VIDEOS, { input: { items: [item({ seed: 7 }), item({ seed: 8, deadline: "2026-11-30T00:00:00Z" })], tags: ["batch"] } });
    expect(batch.data?.generateVideos?.__typename).toBe("GenerateVideosPayload");
    globalIds.push(...batch.data.generateVideos.generations.map((generation: { id: string }) => generation.id));
    ids = globalIds.map(localId);
    const [done, failed, waiting, running] = ids as [string, string, string, string];
    const at = (minutes: number) => new Date(now.getTime() + minutes * 60_000);
    await harness.db.generation.update({
      where: { id: done },
      data: {
        status: "SUCCEEDED",
        upstreamRequestId: "req-1",
        upstreamSeed: 1,
        costUsd: 0.12,
        remainingCreditsUsd: 99.5,
        upstreamOutputUrl: "https://segmind.example/out.mp4",
        mediaKey: `${done}.mp4`,
        videoSha256: "a".repeat(64),
        videoBytes: 1234,
        videoContentType: "video/mp4",
        imageSha256: "b".repeat(64),
        imageBytes: 99,
        submittedAt: at(-3),
        completedAt: at(-1),
        derivedFromId: failed,
      },
    });
    await harness.db.generation.update({
      where: { id: failed },
      data: { status: "FAILED", errorCode: "CANCELED", errorMessage: "stopped", attempts: 2, cancelRequestedAt: at(-2), completedAt: at(-1) },
    });
    await harness.db.generation.update({
      where: { id: waiting },
      data: { upstreamWaitSince: at(-5), upstreamWaitReason: "503 from Segmind", deadlineAt: at(30) },
    });
    await harness.db.generation.update({ where: { id: running }, data: { status: "RUNNING", submittedAt: at(-1), upstreamRequestId: "req-4" } });
  });
  afterAll(() => harness?.close());

  async function answers(query: string): Promise<Map<string, unknown>> {
    const result = await harness.gql(query);
    expect(result.errors).toBeUndefined();
    const nodes = result.data.generations ? result.data.generations.edges.map((edge: { node: unknown }) => edge.node) : result.data.nodes;
    return new Map(nodes.map((node: { id: string }) => [localId(node.id), node]));
  }

  it.each(FIELDS)("$name: the same through a page as by id", async ({ selection }) => {
    expect(selection).not.toBe("");
    const page = await answers(`{ generations(first: 20) { edges { node { id ${selection} } } } }`);
    const byId = await answers(`{ nodes(ids: ${JSON.stringify(globalIds)}) { ... on Generation { id ${selection} } } }`);
    expect(page.size).toBe(ids.length);
    for (const id of ids) expect(page.get(id), id).toEqual(byId.get(id));
  });

  it("every field at once, through fragments, the same as by id", async () => {
    // One level of nesting: the whole tree at once is past the gateway's query cost limit.
    const all = Object.values(generationType.getFields()).map((field) => selectionOf(field, 1)).join(" ");
    const page = await answers(`{ generations(first: 20) { edges { ... on GenerationEdge { node { ...G } } } } } fragment G on Generation { id ${all} }`);
    const byId = await answers(`{ nodes(ids: ${JSON.stringify(globalIds)}) { ...G } } fragment G on Generation { id ${all} }`);
    for (const id of ids) expect(page.get(id)).toEqual(byId.get(id));
  });

  it("the page's read names only the selected columns", async () => {
    const count = await countStatements(() => answers("{ generations(first: 20) { totalCount edges { cursor node { id status manifest { seed } } } } }"), { keepSql: true });
    const read = count.sql?.find((sql) => /FROM "Generation"/.test(sql) && /ORDER BY/.test(sql)) ?? "";
    // totalCount comes with the rows, counted by a subquery of the same statement.
    expect(read).toMatch(/^SELECT "id", \(SELECT COUNT\(\*\) AS "n" FROM "Generation"[^)]*\) AS "totalCount", "status", "seed" FROM "Generation"/);
    expect(count.sql?.filter((sql) => /COUNT\(\*\)/.test(sql))).toEqual([read]);
  });
});
