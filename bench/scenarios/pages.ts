// The history page: generations(first: 10|50|100) with events and manifest, on SQLite and
// PostgreSQL, with 500 generations (~15 events each) and then 100,000 (the 99,500 added are
// older, with 3 events each: the page shows the same 100 newest). Each figure is compared
// with yoga serving the same response from memory (bench/servers/memory-page.ts).
// Targets: first 50 >= 50 % of the floor, first 10 >= 70 %. Each figure's floor is measured
// just before it, on a floor server kept running (WARM_UP_S says why both are warmed up first).
// 10 connections, not 50: a page takes tens to hundreds of ms here, and 50 queued at once leave
// a 5 s run with almost no completed request to count (the floor gets the same 10).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type BenchContext, type Scenario, eachProvider } from "../lib/context";
import { createDatabase } from "../lib/databases";
import { startGateway } from "../lib/gateway";
import { PAGE, post } from "../lib/graphql";
import { type LoadResult, load } from "../lib/load";
import { measuredCpu, startProcess } from "../lib/processes";
import { fmt } from "../lib/report";
import { cloneGenerations, eventCount, makeTemplate } from "../lib/seed";

const SIZES = [10, 50, 100] as const;
export const PAGE_CONNECTIONS = 10;
const TARGETS: Record<number, number | undefined> = { 10: 0.7, 50: 0.5 };

/**
 * A process just started runs its first seconds unoptimised (V8 compiles the hot paths as they
 * get hot): the first load run of a fresh gateway measured 2.0 to 2.7 ms of CPU per first: 10
 * page against 1.5 to 1.9 in the runs after it. Each server, the floor and each gateway alike,
 * serves this long before its first measured run, so the ratios compare warm servers.
 */
const WARM_UP_S = 3;

export const pages: Scenario = {
  name: "page",
  async run(ctx: BenchContext) {
    let floor: Floor | undefined;
    try {
      await eachProvider(ctx, "page", async (provider) => {
        const database = await createDatabase(provider, ctx.dir, `page-${provider}`);
        const gateway = await startGateway(ctx.dir, `page-${provider}`, database, ctx.standIn, { SEGMIND_MAX_RPM: "0" });
        try {
          const template = await makeTemplate(gateway.url, gateway.key);
          template.events = await eventCount(database, template.id);
          await cloneGenerations(database, template, { count: 499, prefix: "019", events: "all" });
          const bodies = new Map<number, unknown>();
          const sizes = new Map<number, number>();
          for (const first of SIZES) {
            const answer = await post(gateway.url, PAGE, { first }, gateway.key);
            if (answer.errors || answer.data?.generations?.edges?.length !== first) throw new Error(`page ${first}: ${JSON.stringify(answer).slice(0, 500)}`);
            bodies.set(first, answer.data.generations);
            sizes.set(first, JSON.stringify(answer).length);
          }
          if (!floor) {
            floor = await startFloor(ctx, bodies);
            ctx.report.note(
              `page: a generation carries ${template.events} events (a real one made through the gateway, cloned in SQL); ` +
                `the 100,000 case adds 99,500 older generations with 3 events each (the newest 100, the page, are the same). ` +
                `Each figure's floor is measured right before it (the machine's speed drifts over minutes), and every server, the floor and each gateway, ` +
                `serves ${WARM_UP_S} s of first: 10 before its first measured run.`,
            );
          }
          const pageLoad = (first: number, cpu?: ReturnType<typeof measuredCpu>) => ({
            onMeasuredRun: cpu?.onMeasuredRun,
            url: `${gateway.url}/graphql`,
            headers: { authorization: `Bearer ${gateway.key}` },
            body: JSON.stringify({ query: PAGE, variables: { first } }),
            expect: '"totalCount"',
            connections: PAGE_CONNECTIONS,
          });
          await load({ ...ctx.settings, durationS: WARM_UP_S, repeat: 1 }, pageLoad(10));
          for (const dataset of ["500", "100,000"]) {
            if (dataset === "100,000") await cloneGenerations(database, template, { count: 99_500, prefix: "018", events: 3 });
            for (const first of SIZES) {
              const { result: base, cpu: floorCpu } = await floor.measure(first);
              const cpu = measuredCpu(gateway.proc.pid);
              const result = await load(ctx.settings, pageLoad(first, cpu));
              const target = TARGETS[first];
              const ratio = result.rps / base.rps;
              ctx.report.add({
                scenario: `page ${provider} ${dataset}`,
                figure: `first: ${first} (${fmt.kib(sizes.get(first) as number)})`,
                value: `${fmt.rps(result.rps)}, p99 ${fmt.ms(result.p99)}${cpuText(ctx, cpu, result)}${result.errors ? `, ${result.errors} errors` : ""}`,
                floor: `memory ${fmt.rps(base.rps)}, p99 ${fmt.ms(base.p99)}${cpuText(ctx, floorCpu, base)}`,
                ratio,
                target: target === undefined ? undefined : `≥ ${target} × floor`,
                pass: target === undefined ? undefined : ratio >= target && result.errors === 0,
              });
            }
          }
        } finally {
          await gateway.proc.stop();
          await database.drop();
        }
      });
    } finally {
      await floor?.stop();
    }
  },
};

/**
 * ", CPU x ms/request": the server's CPU over the measured run (from /proc), beside its req/s,
 * the steadier figure when the machine, or the load generator sharing it, slows down for a
 * while. Only when one measured run makes the requests counted (BENCH_REPEAT=1).
 */
function cpuText(ctx: BenchContext, cpu: ReturnType<typeof measuredCpu>, result: LoadResult): string {
  if (ctx.settings.repeat !== 1 || result.requests === 0) return "";
  return `, CPU ${((cpu.seconds() * 1000) / result.requests).toFixed(2)} ms/request`;
}

interface Floor {
  /** One load run of the floor on first: `first`, now, and the floor's CPU over it. */
  measure(first: number): Promise<{ result: LoadResult; cpu: ReturnType<typeof measuredCpu> }>;
  stop(): Promise<void>;
}

/** yoga from memory on the same answers (the first provider's), kept running and warmed up. */
async function startFloor(ctx: BenchContext, bodies: Map<number, unknown>): Promise<Floor> {
  const file = join(ctx.dir, "pages.json");
  writeFileSync(file, JSON.stringify(Object.fromEntries(bodies)));
  const server = await startProcess({ name: "memory-page", entry: "bench/servers/memory-page.ts", cwd: ctx.dir, env: { BENCH_PAGES: file } });
  const floorLoad = (first: number, cpu?: ReturnType<typeof measuredCpu>) => ({
    onMeasuredRun: cpu?.onMeasuredRun,
    url: `${server.url}/graphql`,
    body: JSON.stringify({ query: PAGE, variables: { first } }),
    expect: '"totalCount"',
    connections: PAGE_CONNECTIONS,
  });
  try {
    await load({ ...ctx.settings, durationS: WARM_UP_S, repeat: 1 }, floorLoad(10));
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    async measure(first) {
      const cpu = measuredCpu(server.pid);
      const result = await load(ctx.settings, floorLoad(first, cpu));
      if (result.errors) throw new Error(`memory floor answered ${result.errors} errors for first: ${first}`);
      return { result, cpu };
    },
    stop: () => server.stop(),
  };
}
