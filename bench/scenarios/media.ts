// A 50 MiB video: stored (the gateway process's RSS growth while it downloads and stores it,
// sampled every 10 ms; and scripts/measure-media-rss.ts, the store alone in a process of its
// own), then served with Range (1 MiB ranges at rotating offsets, 50 connections) beside
// reading the same ranges of the same file from disk in this process.
// Targets: < 16 MiB RSS growth; served at >= 50 % of the disk read. The disk read is this
// process reading the file from the page cache (no HTTP, no socket); a bare node:http server
// serving the same ranges under the same load is reported beside it, and the CPU time each
// server spends per GiB sent (less noisy than throughput on a shared machine). So is the
// ceiling of loopback TCP itself (bench/servers/tcp-ceiling.ts: 50 connections fed from memory,
// no HTTP, no file), which shows whether any server could reach the target on this machine,
// and the served figure beside the other reading of "from disk": past the page cache (O_DIRECT).
//
// The store alone is fed from a ring of 8 chunk buffers (no garbage of the source's own; the
// stored bytes are checked, so a store holding chunks past the ring fails), and, for
// comparison, from a fresh Buffer per chunk as a socket hands them out, beside that source
// into a sink that drops everything (the source's own garbage; see the script's comment).
// The gateway is warmed with one generation of a small video first: the first generation a
// process runs grows RSS by ~25 MiB whatever the video's size (code loaded and compiled on
// first use), which is not the cost of storing 50 MiB.
import { spawnSync } from "node:child_process";
import { open } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { BenchContext, Scenario } from "../lib/context";
import { createDatabase } from "../lib/databases";
import { type BenchGateway, startGateway, startStandIn } from "../lib/gateway";
import { GENERATE_INPUT, generate, post } from "../lib/graphql";
import { load } from "../lib/load";
import { cpuSeconds, measuredCpu, rssBytes, runScript, startProcess } from "../lib/processes";
import { fmt } from "../lib/report";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const RANGE = MiB;

export const media: Scenario = {
  name: "media",
  async run(ctx: BenchContext) {
    const measure = async (...args: string[]) =>
      JSON.parse(await runScript("scripts/measure-media-rss.ts", args, { cwd: ctx.dir, nodeArgs: ["--expose-gc"] })) as {
        peakGrowthMiB: number;
      };
    const isolated = await measure("fs", "ring");
    ctx.report.add({
      scenario: "media",
      figure: "50 MiB put, fs store alone (scripts/measure-media-rss.ts, ring source): peak RSS growth",
      value: `${isolated.peakGrowthMiB} MiB`,
      target: "< 16 MiB",
      pass: isolated.peakGrowthMiB < 16,
    });
    const [fresh, sourceAlone] = [await measure("fs", "fresh"), await measure("null", "fresh")];
    ctx.report.add({
      scenario: "media",
      figure: "the same put from a fresh Buffer per chunk (socket-like): peak RSS growth",
      value: `${fresh.peakGrowthMiB} MiB`,
      floor: `that source into a null sink ${sourceAlone.peakGrowthMiB} MiB`,
    });

    const standIn = await startStandIn(ctx.dir, "standin-50mib", { jobMs: 1_000, paddingBytes: 0 });
    const database = await createDatabase("sqlite", ctx.dir, "media");
    const gateway = await startGateway(ctx.dir, "media", database, standIn, { SEGMIND_MAX_RPM: "0" });
    try {
      // Warm: one generation of a small video (the whole path: accept, worker, download, store),
      // a few reads, then a collection-free pause, so the baseline holds what the path needs.
      const cold = await sampleRssGrowth(gateway, () => generateAndWait(gateway, 49));
      ctx.report.add({
        scenario: "media",
        figure: `the warm-up: a fresh gateway's first generation, a ${fmt.kib(cold.result.videoBytes)} video: peak RSS growth`,
        value: fmt.mib(cold.growth),
      });
      for (let i = 0; i < 20; i++) await post(gateway.url, "{ generations(first: 1) { totalCount } }", {}, gateway.key);
      await new Promise((done) => setTimeout(done, 500));
      await standIn.setPadding(50 * MiB);
      const { result: generation, growth } = await sampleRssGrowth(gateway, () => generateAndWait(gateway, 50));
      const bytes = generation.videoBytes;
      ctx.report.add({
        scenario: "media",
        figure: `${fmt.mib(bytes)} video stored by the gateway (after the warm-up): peak RSS growth`,
        value: fmt.mib(growth),
        target: "< 16 MiB",
        pass: growth < 16 * MiB,
      });

      const again = await sampleRssGrowth(gateway, () => generateAndWait(gateway, 51));
      ctx.report.add({
        scenario: "media",
        figure: `another ${fmt.mib(again.result.videoBytes)} video, right after: peak RSS growth`,
        value: fmt.mib(again.growth),
      });

      const path = new URL(generation.resultUrl).pathname;
      const file = join(gateway.mediaDir, path.replace(/^\/media\//, ""));
      const ranges = Math.floor(bytes / RANGE);
      /** 1 MiB ranges at rotating offsets, and the server's CPU time per GiB sent in the measured runs. */
      const rangeLoad = async (url: string, pid: number) => {
        let next = 0;
        const cpu = measuredCpu(pid);
        const result = await load(ctx.settings, {
          url,
          method: "GET",
          setupRequest: (request) => {
            const start = (next++ % ranges) * RANGE;
            return { ...request, headers: { ...request.headers, range: `bytes=${start}-${start + RANGE - 1}` } };
          },
          onMeasuredRun: cpu.onMeasuredRun,
        });
        const describe = `${fmt.mibps(result.throughput)}, p99 ${fmt.ms(result.p99)}, CPU ${(cpu.seconds() / (result.measuredBytes / GiB)).toFixed(2)} s/GiB${result.errors ? `, ${result.errors} errors` : ""}`;
        return { ...result, describe };
      };
      const served = await rangeLoad(`${gateway.url}${path}`, gateway.proc.pid);
      const bare = await startProcess({ name: "static-file", entry: "bench/servers/static-file.ts", cwd: ctx.dir, env: { BENCH_FILE: file }, readyPath: "/healthz" });
      const plain = await rangeLoad(`${bare.url}/video.mp4`, bare.pid).finally(() => bare.stop());
      const ceiling = await tcpCeiling(ctx);
      const disk = await readFromDisk(file, ranges, ctx.settings.durationS);
      const direct = readDirect(file);
      ctx.report.add({
        scenario: "media",
        figure: "served with Range (1 MiB ranges, 50 connections)",
        value: served.describe,
        floor: `disk ${fmt.mibps(disk)}`,
        ratio: served.throughput / disk,
        target: "≥ 0.5 × disk",
        pass: served.throughput / disk >= 0.5 && served.errors === 0,
      });
      ctx.report.add({
        scenario: "media",
        figure: "the same ranges from a bare node:http server (bench/servers/static-file.ts), for reference",
        value: plain.describe,
        floor: `disk ${fmt.mibps(disk)}`,
        ratio: plain.throughput / disk,
      });
      ctx.report.add({
        scenario: "media",
        figure: "bare loopback TCP from memory, no HTTP, no file (bench/servers/tcp-ceiling.ts, 50 connections): the ceiling any server here has",
        value: `${fmt.mibps(ceiling.throughput)}, CPU ${ceiling.cpuPerGiB.toFixed(2)} s/GiB`,
        floor: `disk ${fmt.mibps(disk)}`,
        ratio: ceiling.throughput / disk,
      });
      ctx.report.add({
        scenario: "media",
        figure: "the served figure beside the file read past the page cache (dd iflag=direct, 1 MiB blocks, best of 5), for reference",
        value: fmt.mibps(served.throughput),
        floor: direct === null ? "O_DIRECT refused by this file system" : `direct read ${fmt.mibps(direct)}`,
        ...(direct === null ? {} : { ratio: served.throughput / direct }),
      });
    } finally {
      await gateway.proc.stop();
      await standIn.proc.stop();
    }
  },
};

/** The gateway's peak RSS over its RSS before `work`, sampled every 10 ms. */
export async function sampleRssGrowth<T>(gateway: BenchGateway, work: () => Promise<T>): Promise<{ result: T; growth: number }> {
  const baseline = rssBytes(gateway.proc.pid);
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(gateway.proc.pid))), 10);
  try {
    const result = await work();
    return { result, growth: Math.max(peak, rssBytes(gateway.proc.pid)) - baseline };
  } finally {
    clearInterval(sampler);
  }
}

/** Generates a video and waits (polling) until it has SUCCEEDED. */
export async function generateAndWait(gateway: BenchGateway, seed: number): Promise<{ resultUrl: string; videoBytes: number }> {
  const { answer } = await generate(gateway.url, gateway.key, { ...GENERATE_INPUT, seed }, 60_000);
  const id = answer.data?.generateVideo?.generation?.id as string;
  let generation: { status: string; resultUrl: string | null; videoBytes: number | null } | undefined;
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; await new Promise((done) => setTimeout(done, 100))) {
    generation = (await post(gateway.url, `query($id: ID!) { generation(id: $id) { status resultUrl videoBytes } }`, { id }, gateway.key)).data?.generation;
    if (generation && ["SUCCEEDED", "FAILED"].includes(generation.status)) break;
  }
  if (generation?.status !== "SUCCEEDED" || !generation.resultUrl || !generation.videoBytes) {
    throw new Error(`the generation with seed ${seed} ended ${JSON.stringify(generation)}`);
  }
  return { resultUrl: generation.resultUrl, videoBytes: generation.videoBytes };
}

/**
 * Bytes a second that 50 connections receive from tcp-ceiling.ts, which sends from memory as
 * fast as each socket drains, over the same measured time as a load run (after 1 s of warm-up);
 * and that server's CPU time per GiB sent.
 */
async function tcpCeiling(ctx: BenchContext): Promise<{ throughput: number; cpuPerGiB: number }> {
  const server = await startProcess({ name: "tcp-ceiling", entry: "bench/servers/tcp-ceiling.ts", cwd: ctx.dir, readyPath: "/healthz" });
  const { port } = new URL(server.url);
  let bytes = 0;
  const sockets = Array.from({ length: ctx.settings.connections }, () => {
    const socket = connect(Number(port), "127.0.0.1", () => socket.write("GET /bytes\r\n\r\n"));
    socket.on("data", (data) => (bytes += data.length));
    return socket;
  });
  try {
    await new Promise((done) => setTimeout(done, 1_000));
    const [fromBytes, fromCpu, started] = [bytes, cpuSeconds(server.pid), performance.now()];
    await new Promise((done) => setTimeout(done, ctx.settings.durationS * 1_000));
    const [received, cpu] = [bytes - fromBytes, cpuSeconds(server.pid) - fromCpu];
    return { throughput: received / ((performance.now() - started) / 1000), cpuPerGiB: cpu / (received / GiB) };
  } finally {
    for (const socket of sockets) socket.destroy();
    await server.stop();
  }
}

/**
 * The file read with O_DIRECT (dd iflag=direct), so from the device, not the page cache: the
 * other reading of "from disk". Bytes a second by dd's own clock (not its process start), the
 * best of 5 passes; null where the file system refuses O_DIRECT (tmpfs).
 */
function readDirect(file: string): number | null {
  let best: number | null = null;
  for (let pass = 0; pass < 5; pass++) {
    const dd = spawnSync("dd", [`if=${file}`, "of=/dev/null", "bs=1M", "iflag=direct"], { encoding: "utf8" });
    const copied = /^(\d+) bytes.* copied, ([\d.]+) s/m.exec(dd.stderr ?? "");
    if (dd.status !== 0 || !copied) return null;
    best = Math.max(best ?? 0, Number(copied[1]) / Number(copied[2]));
  }
  return best;
}

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
