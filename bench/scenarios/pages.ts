// The history page: generations(first: 10|50|100) with events and manifest, on SQLite and
// PostgreSQL, with 500 generations (~15 events each) and then 100,000 (the 99,500 added are
// older, with 3 events each: the page shows the same 100 newest). Each figure is compared
// with yoga serving the same response from memory (bench/servers/memory-page.ts).
// Targets: first 50 >= 50 % of the floor, first 10 >= 70 %. 10 connections, not 50: a page
// takes tens to hundreds of ms here, and 50 queued at once leave a 5 s run with almost no
// completed request to count (the floor gets the same 10).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type BenchContext, type Scenario, eachProvider } from "../lib/context";
import { createDatabase } from "../lib/databases";
import { startGateway } from "../lib/gateway";
import { PAGE, post } from "../lib/graphql";
import { type LoadResult, load } from "../lib/load";
import { startProcess } from "../lib/processes";
import { fmt } from "../lib/report";
import { cloneGenerations, eventCount, makeTemplate } from "../lib/seed";

const SIZES = [10, 50, 100] as const;
export const PAGE_CONNECTIONS = 10;
const TARGETS: Record<number, number | undefined> = { 10: 0.7, 50: 0.5 };

export const pages: Scenario = {
  name: "page",
  async run(ctx: BenchContext) {
    let floor: Map<number, LoadResult> | undefined;
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
          floor = await measureFloor(ctx, bodies);
          ctx.report.note(
            `page: a generation carries ${template.events} events (a real one made through the gateway, cloned in SQL); ` +
              `the 100,000 case adds 99,500 older generations with 3 events each (the newest 100, the page, are the same).`,
          );
        }
        for (const dataset of ["500", "100,000"]) {
          if (dataset === "100,000") await cloneGenerations(database, template, { count: 99_500, prefix: "018", events: 3 });
          for (const first of SIZES) {
            const result = await load(ctx.settings, {
              url: `${gateway.url}/graphql`,
              headers: { authorization: `Bearer ${gateway.key}` },
              body: JSON.stringify({ query: PAGE, variables: { first } }),
              expect: '"totalCount"',
              connections: PAGE_CONNECTIONS,
            });
            const base = floor.get(first) as LoadResult;
            const target = TARGETS[first];
            const ratio = result.rps / base.rps;
            ctx.report.add({
              scenario: `page ${provider} ${dataset}`,
              figure: `first: ${first} (${fmt.kib(sizes.get(first) as number)})`,
              value: `${fmt.rps(result.rps)}, p99 ${fmt.ms(result.p99)}${result.errors ? `, ${result.errors} errors` : ""}`,
              floor: `memory ${fmt.rps(base.rps)}`,
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
  },
};

/** yoga from memory on the same answers, measured once (on the first provider's answers). */
async function measureFloor(ctx: BenchContext, bodies: Map<number, unknown>): Promise<Map<number, LoadResult>> {
  const file = join(ctx.dir, "pages.json");
  writeFileSync(file, JSON.stringify(Object.fromEntries(bodies)));
  const server = await startProcess({ name: "memory-page", entry: "bench/servers/memory-page.ts", cwd: ctx.dir, env: { BENCH_PAGES: file } });
  const results = new Map<number, LoadResult>();
  try {
    for (const first of SIZES) {
      const result = await load(ctx.settings, {
        url: `${server.url}/graphql`,
        body: JSON.stringify({ query: PAGE, variables: { first } }),
        expect: '"totalCount"',
        connections: PAGE_CONNECTIONS,
      });
      if (result.errors) throw new Error(`memory floor answered ${result.errors} errors for first: ${first}`);
      results.set(first, result);
      ctx.report.add({ scenario: "floor", figure: `page from memory, first: ${first}`, value: `${fmt.rps(result.rps)}, p99 ${fmt.ms(result.p99)}` });
    }
  } finally {
    await server.stop();
  }
  return results;
}
