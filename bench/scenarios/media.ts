// A 50 MiB video: stored (the gateway process's RSS growth while it downloads and stores it,
// sampled every 10 ms; and scripts/measure-media-rss.ts, the store alone in a process of its
// own), then served with Range (1 MiB ranges at rotating offsets, 50 connections) beside
// reading the same ranges of the same file from disk in this process.
// Targets: < 16 MiB RSS growth; served at >= 50 % of the disk read.
import { open } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { BenchContext, Scenario } from "../lib/context";
import { createDatabase } from "../lib/databases";
import { startGateway, startStandIn } from "../lib/gateway";
import { GENERATE_INPUT, generate, post } from "../lib/graphql";
import { load } from "../lib/load";
import { rssBytes, runScript } from "../lib/processes";
import { fmt } from "../lib/report";

const MiB = 1024 * 1024;
const RANGE = MiB;

export const media: Scenario = {
  name: "media",
  async run(ctx: BenchContext) {
    const isolated = JSON.parse(
      await runScript("scripts/measure-media-rss.ts", ["fs"], { cwd: ctx.dir, nodeArgs: ["--expose-gc"] }),
    ) as { peakGrowthMiB: number; endGrowthMiB: number };
    ctx.report.add({
      scenario: "media",
      figure: "50 MiB put, fs store alone (scripts/measure-media-rss.ts): peak RSS growth",
      value: `${isolated.peakGrowthMiB} MiB`,
      target: "< 16 MiB",
      pass: isolated.peakGrowthMiB < 16,
    });

    const standIn = await startStandIn(ctx.dir, "standin-50mib", { jobMs: 1_000, paddingBytes: 50 * MiB });
    const database = await createDatabase("sqlite", ctx.dir, "media");
    const gateway = await startGateway(ctx.dir, "media", database, standIn, { SEGMIND_MAX_RPM: "0" });
    try {
      // Warm: a few requests, then a collection-free pause, so the baseline holds what serving needs.
      for (let i = 0; i < 20; i++) await post(gateway.url, "{ generations(first: 1) { totalCount } }", {}, gateway.key);
      await new Promise((done) => setTimeout(done, 500));
      const baseline = rssBytes(gateway.proc.pid);
      let peak = baseline;
      const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(gateway.proc.pid))), 10);
      const { answer } = await generate(gateway.url, gateway.key, { ...GENERATE_INPUT, seed: 50 }, 60_000);
      const id = answer.data?.generateVideo?.generation?.id as string;
      let generation: { status: string; resultUrl: string | null; videoBytes: number | null } | undefined;
      for (const deadline = Date.now() + 120_000; Date.now() < deadline; await new Promise((done) => setTimeout(done, 100))) {
        generation = (await post(gateway.url, `query($id: ID!) { generation(id: $id) { status resultUrl videoBytes } }`, { id }, gateway.key)).data?.generation;
        if (generation && ["SUCCEEDED", "FAILED"].includes(generation.status)) break;
      }
      clearInterval(sampler);
      if (generation?.status !== "SUCCEEDED" || !generation.resultUrl || !generation.videoBytes) {
        throw new Error(`the 50 MiB generation ended ${JSON.stringify(generation)}`);
      }
      const bytes = generation.videoBytes;
      ctx.report.add({
        scenario: "media",
        figure: `${fmt.mib(bytes)} video stored by the gateway: peak RSS growth`,
        value: fmt.mib(peak - baseline),
        target: "< 16 MiB",
        pass: peak - baseline < 16 * MiB,
      });

      const path = new URL(generation.resultUrl).pathname;
      const ranges = Math.floor(bytes / RANGE);
      let next = 0;
      const served = await load(ctx.settings, {
        url: `${gateway.url}${path}`,
        method: "GET",
        setupRequest: (request) => {
          const start = (next++ % ranges) * RANGE;
          return { ...request, headers: { ...request.headers, range: `bytes=${start}-${start + RANGE - 1}` } };
        },
      });
      const disk = await readFromDisk(join(gateway.mediaDir, path.replace(/^\/media\//, "")), ranges, ctx.settings.durationS);
      ctx.report.add({
        scenario: "media",
        figure: "served with Range (1 MiB ranges, 50 connections)",
        value: `${fmt.mibps(served.throughput)}, p99 ${fmt.ms(served.p99)}${served.errors ? `, ${served.errors} errors` : ""}`,
        floor: `disk ${fmt.mibps(disk)}`,
        ratio: served.throughput / disk,
        target: "≥ 0.5 × disk",
        pass: served.throughput / disk >= 0.5 && served.errors === 0,
      });
    } finally {
      await gateway.proc.stop();
      await standIn.proc.stop();
    }
  },
};

/** Bytes per second reading the same 1 MiB ranges from the file, 50 reads in flight. */
async function readFromDisk(file: string, ranges: number, seconds: number): Promise<number> {
  const handle = await open(file, "r");
  let bytes = 0;
  let next = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  try {
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        const buffer = Buffer.allocUnsafe(RANGE);
        while (performance.now() < end) {
          const { bytesRead } = await handle.read(buffer, 0, RANGE, (next++ % ranges) * RANGE);
          bytes += bytesRead;
        }
      }),
    );
  } finally {
    await handle.close();
  }
  return bytes / ((performance.now() - started) / 1000);
}
