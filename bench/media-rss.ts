// Ad-hoc, not part of `npm run bench`: the media scenario's gateway RSS figures alone (issue 8),
// without the store-alone scripts and the Range load, so before/after builds can be compared
// side by side in the same minute:
//   npm run build && npx tsx bench/media-rss.ts [dist dir, default dist] [rounds, default 1]
// Each round starts a fresh stand-in and gateway on SQLite, warms the gateway with one small
// generation as the scenario does, then stores a 50 MiB video and another right after, and
// prints one JSON line: the peak RSS growth (MiB) of each, and the gateway's CPU seconds over
// the first (the whole generation: accept, polls, download, store). A before-build is any `npm run build`
// output copied inside the project (e.g. `cp -r dist dist-before`), so it finds the migrations.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDatabase } from "./lib/databases";
import { startGateway, startStandIn } from "./lib/gateway";
import { post } from "./lib/graphql";
import { cpuSeconds } from "./lib/processes";
import { generateAndWait, sampleRssGrowth } from "./scenarios/media";

const MiB = 1024 * 1024;
const dist = process.argv[2] ?? "dist";
const rounds = Number(process.argv[3] ?? 1);
const mib = (bytes: number) => Math.round((bytes / MiB) * 10) / 10;

for (let round = 0; round < rounds; round++) {
  const dir = mkdtempSync(join(tmpdir(), "media-rss-"));
  const standIn = await startStandIn(dir, "standin-50mib", { jobMs: 1_000, paddingBytes: 0 });
  const database = await createDatabase("sqlite", dir, "media");
  const gateway = await startGateway(dir, "media", database, standIn, { SEGMIND_MAX_RPM: "0" }, [], dist);
  try {
    const cold = await sampleRssGrowth(gateway, () => generateAndWait(gateway, 49));
    for (let i = 0; i < 20; i++) await post(gateway.url, "{ generations(first: 1) { totalCount } }", {}, gateway.key);
    await new Promise((done) => setTimeout(done, 500));
    await standIn.setPadding(50 * MiB);
    const cpuBefore = cpuSeconds(gateway.proc.pid);
    const first = await sampleRssGrowth(gateway, () => generateAndWait(gateway, 50));
    const cpuS = Math.round((cpuSeconds(gateway.proc.pid) - cpuBefore) * 100) / 100;
    const again = await sampleRssGrowth(gateway, () => generateAndWait(gateway, 51));
    process.stdout.write(
      `${JSON.stringify({ dist, warmUpMiB: mib(cold.growth), firstMiB: mib(first.growth), againMiB: mib(again.growth), firstCpuS: cpuS, videoBytes: first.result.videoBytes })}\n`,
    );
  } finally {
    await gateway.proc.stop();
    await standIn.proc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
