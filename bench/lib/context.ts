import { PROVIDERS, type Provider } from "./databases";
import type { StandIn } from "./gateway";
import type { Report } from "./report";
import type { BenchSettings } from "./settings";

/** What every scenario gets: settings, a private directory, the report, shared processes and floors. */
export interface BenchContext {
  settings: BenchSettings;
  /** This run's directory (databases, media, logs); removed at the end unless BENCH_KEEP=1. */
  dir: string;
  report: Report;
  /** A stand-in with 3 s jobs (the sandbox default), shared by the scenarios that generate. */
  standIn: StandIn;
  /** req/s of the yoga hello-world, measured first in this run. */
  helloRps: number;
  /** The hello-world compiled like the gateway (one esbuild bundle), for floors that start it. */
  helloEntry: string;
}

export interface Scenario {
  name: string;
  run(ctx: BenchContext): Promise<void>;
}

/** Runs `fn` once per provider; a failure becomes a row of the table and the next provider still runs. */
export async function eachProvider(ctx: BenchContext, scenario: string, fn: (provider: Provider) => Promise<void>): Promise<void> {
  for (const provider of PROVIDERS) {
    try {
      await fn(provider);
    } catch (error) {
      ctx.report.add({ scenario: `${scenario} ${provider}`, figure: "FAILED to run", value: String((error as Error).message).split("\n")[0] ?? "" });
      process.stderr.write(`${(error as Error).stack}\n`);
    }
  }
}
