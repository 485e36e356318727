// What one `npm run bench` does: how long each load runs, with how many connections, and
// which scenarios (`npm run bench -- accept page`; none given: all). BENCH_QUICK=1 shortens
// every load run for iterating; figures from a quick run are not comparable with a full one.
// BENCH_REPEAT=3 reports the median of three measured runs per figure (about 2.5× as long).
export interface BenchSettings {
  quick: boolean;
  /** Seconds of each measured load run (after a 1 s warm-up). */
  durationS: number;
  /** Measured runs per figure (BENCH_REPEAT, default 1): the median by req/s is reported. */
  repeat: number;
  connections: number;
  /** Scenario names to run; empty: every scenario. */
  only: string[];
}

export function readSettings(argv: string[] = process.argv.slice(2)): BenchSettings {
  const quick = process.env.BENCH_QUICK === "1";
  return {
    quick,
    durationS: Number(process.env.BENCH_DURATION_S ?? (quick ? 2 : 5)),
    repeat: Math.max(1, Number(process.env.BENCH_REPEAT ?? 1)),
    connections: 50,
    only: argv.filter((arg) => !arg.startsWith("-")),
  };
}

export function wants(settings: BenchSettings, scenario: string): boolean {
  return settings.only.length === 0 || settings.only.some((name) => scenario.startsWith(name));
}
