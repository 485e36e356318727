// The Segmind stand-in (src/sandbox/standin.ts) as a process of its own, for the gateway to
// reach over HTTP as it would reach Segmind. A small side server on PORT tells the bench its
// address (GET /info) and, for each job (GET /jobs), Segmind's completion time (accepted +
// BENCH_JOB_MS) and when a status read first found it done. POST /padding?bytes=N changes the padding
// of the videos it serves from then on.
import { createServer } from "node:http";
import { startSegmindStandIn } from "../../src/sandbox/standin";

const jobDurationMs = Number(process.env.BENCH_JOB_MS ?? 3000);
const standIn = await startSegmindStandIn({
  apiKey: process.env.BENCH_STANDIN_KEY ?? "SG_bench_standin_key",
  jobDurationMs,
  balanceUsd: 1_000_000,
  outputPaddingBytes: Number(process.env.BENCH_PADDING_BYTES ?? 0),
});
createServer((request, response) => {
  if (request.method === "POST" && request.url?.startsWith("/padding?")) {
    const bytes = Number(new URLSearchParams(request.url.slice("/padding?".length)).get("bytes"));
    if (!Number.isSafeInteger(bytes) || bytes < 0) return void response.writeHead(400).end();
    standIn.setOutputPadding(bytes);
    return void response.writeHead(204).end();
  }
  const body =
    request.url === "/jobs"
      ? standIn
          .acceptedJobs()
          .map((job) => ({ requestId: job.requestId, completedAtMs: job.createdAt.getTime() + jobDurationMs, doneReadAtMs: job.doneReadAt?.getTime() }))
      : { url: standIn.url, jobDurationMs, stats: standIn.stats };
  response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
}).listen(Number(process.env.PORT), "127.0.0.1");
process.once("SIGTERM", () => void standIn.close().then(() => process.exit(0)));
