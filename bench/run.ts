// `npm run bench [-- scenario ...]`: builds the gateway, runs every scenario (or those named),
// prints one markdown table and appends the run to bench/RESULTS.md. See README "Benchmarks".
import { execFileSync } from "node:child_process";
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { build } from "esbuild";
import type { BenchContext, Scenario } from "./lib/context";
import { startStandIn } from "./lib/gateway";
import { load } from "./lib/load";
import { ROOT, SETTLE, settle, startProcess } from "./lib/processes";
import { Report, fmt } from "./lib/report";
import { readSettings, wants } from "./lib/settings";
import { accept } from "./scenarios/accept";
import { apollo } from "./scenarios/apollo";
import { media } from "./scenarios/media";
import { pages } from "./scenarios/pages";
import { sse } from "./scenarios/sse";
import { startup } from "./scenarios/startup";
import { statements } from "./scenarios/statements";

const SCENARIOS: Scenario[] = [startup, accept, pages, apollo, statements, media, sse];

const settings = readSettings();
const started = performance.now();
const loadBefore = loadavg();
const dir = mkdtempSync(join(tmpdir(), "sg-bench-"));
const report = new Report();
const git = (...args: string[]) => execFileSync("git", args, { cwd: ROOT, encoding: "utf8" }).trim();
const commit = git("rev-parse", "--short", "HEAD") + (git("status", "--porcelain", "--untracked-files=no") ? " (+ uncommitted changes)" : "");

process.stdout.write(`bench: building (npm run build)...\n`);
execFileSync("npm", ["run", "build", "--silent"], { cwd: ROOT, stdio: "inherit" });

// The hello-world floor, bundled as the gateway is (npm run build), so startup compares like with like.
const helloEntry = join(dir, "hello.mjs");
await build({
  entryPoints: [join(ROOT, "bench/servers/hello.ts")],
  outfile: helloEntry,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: "warning",
});
const standIn = await startStandIn(dir, "standin");
const hello = await startProcess({ name: "hello", entry: helloEntry, cwd: dir });
const helloLoad = await load(settings, { url: `${hello.url}/graphql`, body: JSON.stringify({ query: "{ hello }" }) });
await hello.stop();
report.add({ scenario: "floor", figure: "yoga hello-world", value: `${fmt.rps(helloLoad.rps)}, p99 ${fmt.ms(helloLoad.p99)}` });
const ctx: BenchContext = { settings, dir, report, standIn, helloRps: helloLoad.rps, helloEntry };

// A scenario that never ends (a regression that makes a seed or a load hang) must fail the run
// loudly, not leave it running: past the limit the run reports what it has and exits 1.
const limitS = Number(process.env.BENCH_SCENARIO_LIMIT_S ?? 300);
let timedOut = false;
// Before each scenario the machine settles: whatever the last one left running, or anything
// else on the machine, runs before the next one measures (bench/lib/processes.ts settle).
const settled: string[] = [];
try {
  for (const scenario of SCENARIOS) {
    if (!wants(settings, scenario.name)) continue;
    const waited = await settle();
    settled.push(`${scenario.name} ${(waited.waitedMs / 1000).toFixed(0)} s${waited.quiet ? "" : ` (still ${Math.round(waited.lastShare * 100)} % busy)`}`);
    process.stdout.write(`bench: ${scenario.name}\n`);
    let timer: NodeJS.Timeout | undefined;
    try {
      const late = new Promise<"late">((done) => (timer = setTimeout(() => done("late"), limitS * 1_000)));
      if ((await Promise.race([scenario.run(ctx), late])) === "late") {
        report.add({ scenario: scenario.name, figure: "FAILED to run", value: `still running after ${limitS} s (BENCH_SCENARIO_LIMIT_S); the run stopped here` });
        timedOut = true;
        break;
      }
    } catch (error) {
      report.add({ scenario: scenario.name, figure: "FAILED to run", value: String((error as Error).message).split("\n")[0] ?? "" });
      process.stderr.write(`${(error as Error).stack}\n`);
    } finally {
      clearTimeout(timer);
    }
  }
} finally {
  await standIn.proc.stop();
}

const loadAfter = loadavg();
const seconds = (performance.now() - started) / 1000;
const heading = [
  `## ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, commit ${commit}${settings.quick ? " (BENCH_QUICK)" : ""}`,
  "",
  `Machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}; load average (1/5/15 min) ` +
    `${loadBefore.map((v) => v.toFixed(2)).join(" / ")} at start, ${loadAfter.map((v) => v.toFixed(2)).join(" / ")} at end; ` +
    `${settings.durationS} s per load run (after 1 s of warm-up) at ${settings.connections} connections (history pages and Apollo: 10)${settings.repeat > 1 ? `, median of ${settings.repeat} runs each` : ""}; whole run ${Math.round(seconds)} s` +
    (settings.only.length ? `; scenarios: ${settings.only.join(", ")}` : "") +
    `; waited for the machine to go quiet (< ${SETTLE.busyShare * 100} % busy over ${SETTLE.sampleMs / 1000} s, at most ${SETTLE.maxMs / 1000} s) before each scenario: ${settled.join(", ")}.`,
  "",
];
const section = [...heading, report.table(), "", ...report.notes.map((note) => `- ${note}`), ""].join("\n");
process.stdout.write(`\n${section}\n`);
appendFileSync(join(ROOT, "bench/RESULTS.md"), `\n${section}`);
if (process.env.BENCH_KEEP !== "1") rmSync(dir, { recursive: true, force: true });
else process.stdout.write(`bench: kept ${dir}\n`);
process.exit(timedOut ? 1 : 0);
