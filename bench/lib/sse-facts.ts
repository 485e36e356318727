// What the sse scenario reads back: final states from the database, where each generation's
// time went, and which update is which.
import { type BenchDatabase, timeMs } from "./databases";

/**
 * Per succeeded generation, from Segmind's completion: when a status read found it done (the
 * stand-in's record), and when STORING and SUCCEEDED were written.
 */
export async function phaseTimes(
  database: BenchDatabase,
  finals: Array<[string, FinalRow]>,
  completions: Map<string, number>,
  doneReads: Map<string, number>,
) {
  const phases = { seen: [] as number[], storing: [] as number[], succeeded: [] as number[] };
  const done = finals.filter(([, final]) => final.status === "SUCCEEDED" && final.upstreamRequestId && completions.has(final.upstreamRequestId));
  if (done.length === 0) return phases;
  const rows = await database.sql(
    `SELECT "generationId", type, "toStatus", "createdAt" FROM "GenerationEvent" WHERE type = 'STATUS_CHANGED' AND "toStatus" IN ('STORING', 'SUCCEEDED') AND "generationId" IN (${done.map(([id]) => `'${id}'`).join(", ")})`,
  );
  for (const [id, final] of done) {
    const segmindDone = completions.get(final.upstreamRequestId as string) as number;
    const events = rows.filter((row) => row.generationId === id);
    const storing = events.find((row) => row.toStatus === "STORING");
    const succeeded = events.find((row) => row.toStatus === "SUCCEEDED");
    if (!storing || !succeeded) continue;
    const seen = doneReads.get(final.upstreamRequestId as string);
    if (seen !== undefined) phases.seen.push(seen - segmindDone);
    phases.storing.push((timeMs(storing.createdAt) ?? Number.NaN) - segmindDone);
    phases.succeeded.push((timeMs(succeeded.createdAt) ?? Number.NaN) - segmindDone);
  }
  return phases;
}

export function genId(data: any): string {
  return data?.data?.generationsUpdated?.generation?.id ?? "";
}

/** The update that says the generation reached its final status. */
export function isFinal(data: any): boolean {
  const update = data?.data?.generationsUpdated;
  return update?.kind === "EVENT" && update.event?.type === "STATUS_CHANGED" && ["SUCCEEDED", "FAILED"].includes(update.event?.toStatus);
}

export interface FinalRow {
  status: string;
  errorCode: string | null;
  upstreamRequestId: string | null;
  completedAtMs: number | null;
}

export async function waitFinalInDatabase(database: BenchDatabase, ids: string[], timeoutMs: number): Promise<Map<string, FinalRow>> {
  const finals = new Map<string, FinalRow>();
  if (ids.length === 0) return finals;
  const deadline = Date.now() + timeoutMs;
  do {
    const rows = await database.sql(
      `SELECT id, status, "errorCode", "upstreamRequestId", "completedAt" FROM "Generation" WHERE id IN (${ids.map((id) => `'${id}'`).join(", ")})`,
    );
    for (const row of rows) {
      if (!["SUCCEEDED", "FAILED", "CANCELED", "EXPIRED"].includes(String(row.status))) continue;
      finals.set(String(row.id), {
        status: String(row.status),
        errorCode: (row.errorCode as string | null) ?? null,
        upstreamRequestId: (row.upstreamRequestId as string | null) ?? null,
        completedAtMs: timeMs(row.completedAt),
      });
    }
    if (finals.size === ids.length) break;
    await new Promise((done) => setTimeout(done, 250));
  } while (Date.now() < deadline);
  return finals;
}

/**
 * The gateway's event-loop delay since the last call (prom-client's default metrics on
 * /metrics, whose histogram restarts at each scrape): how long work that was ready waited for
 * the loop, in ms.
 */
export async function loopDelay(url: string): Promise<{ p50: number; p99: number; max: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^nodejs_eventloop_lag_${name}_seconds (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN) * 1000;
  return { p50: read("p50"), p99: read("p99"), max: read("max") };
}
