// Ad-hoc, not part of `npm run bench`: CPU per raw statement through Prisma ($executeRaw) and
// on the driver adapter ($rows.execute), the same single-row event INSERT, 1,000 per round, in
// process. PROVIDER=sqlite|postgresql npx tsx bench/raw-statement-cpu.ts
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../src/db/client";
import { createDatabase, type Provider } from "../bench/lib/databases";
import { eventRowsInsertSql } from "../src/generations/event-rows";

const provider = (process.env.PROVIDER ?? "postgresql") as Provider;
const dir = mkdtempSync(join(tmpdir(), "raw-statement-cpu-"));
const database = await createDatabase(provider, dir, "raw-statement-cpu");
const { db, close } = await openDatabase(database.url);
const id = "0192f0c4-0000-7000-8000-0000000000aa";
const at = new Date();
await db.generation.create({ data: { id, status: "RUNNING", prompt: "p", imageUrl: "https://e/x.png", duration: 5, resolution: "480p", seed: 1, seedSource: "CLIENT", cameraFixed: false, inputFingerprint: "f".repeat(64), upstream: "s", upstreamBaseUrl: "http://x", upstreamMode: "v2", modelSlug: "m", upstreamRequestBody: "{}", createdAt: at, updatedAt: at } });
const event = () => ({ generationId: id, type: "UPSTREAM_CALL", fromStatus: null, toStatus: null, method: "GET", path: "/v2/requests/abc", httpStatus: 200, durationMs: 3, attempt: 1, errorCode: null, message: null, createdAt: new Date() });
const N = 1000;
async function measure(name: string, run: () => Promise<unknown>) {
  const cpu = process.cpuUsage();
  const t = performance.now();
  for (let i = 0; i < N; i++) await run();
  const used = process.cpuUsage(cpu);
  console.log(`${provider} ${name}: ${(((used.user + used.system) / N)).toFixed(0)} µs CPU, ${(((performance.now() - t) * 1000) / N).toFixed(0)} µs wall per statement`);
}
for (let round = 0; round < 3; round++) {
  await measure("prisma $executeRaw", () => db.$executeRaw(eventRowsInsertSql([event()])));
  await measure("adapter $rows.execute", () => db.$rows.execute({ model: "GenerationEvent", operation: "createMany" }, eventRowsInsertSql([event()])));
}
await close();
await database.drop();
