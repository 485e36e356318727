// The peer: the same schema and context under Apollo Server 5 (bench/servers/apollo.ts), on
// the same SQLite database of 500 generations, measured right after the gateway on the same
// history pages (10 connections, as there). Ratio: ours / Apollo's req/s. Target: >= 1.5.
import type { BenchContext, Scenario } from "../lib/context";
import { createDatabase } from "../lib/databases";
import { startGateway } from "../lib/gateway";
import { PAGE } from "../lib/graphql";
import { load } from "../lib/load";
import { startProcess } from "../lib/processes";
import { fmt } from "../lib/report";
import { PAGE_CONNECTIONS } from "./pages";
import { cloneGenerations, makeTemplate } from "../lib/seed";

const SIZES = [10, 50];

export const apollo: Scenario = {
  name: "apollo",
  async run(ctx: BenchContext) {
    const database = await createDatabase("sqlite", ctx.dir, "apollo");
    const gateway = await startGateway(ctx.dir, "apollo-ours", database, ctx.standIn, { SEGMIND_MAX_RPM: "0" });
    const ours = new Map<number, number>();
    const pageLoad = (url: string, first: number) =>
      load(ctx.settings, {
        url: `${url}/graphql`,
        headers: { authorization: `Bearer ${gateway.key}` },
        body: JSON.stringify({ query: PAGE, variables: { first } }),
        expect: '"totalCount"',
        connections: PAGE_CONNECTIONS,
      });
    try {
      await cloneGenerations(database, await makeTemplate(gateway.url, gateway.key), { count: 499, prefix: "019", events: "all" });
      for (const first of SIZES) ours.set(first, (await pageLoad(gateway.url, first)).rps);
    } finally {
      await gateway.proc.stop();
    }
    const peer = await startProcess({
      name: "apollo",
      entry: "bench/servers/apollo.ts",
      cwd: ctx.dir,
      env: { DATABASE_URL: database.url, MEDIA_DIR: gateway.mediaDir, SEGMIND_API_KEY: ctx.standIn.key, SEGMIND_BASE_URL: ctx.standIn.url, LOG_LEVEL: "warn" },
      readyPath: "/.well-known/apollo/server-health",
    });
    try {
      for (const first of SIZES) {
        const theirs = await pageLoad(peer.url, first);
        const ratio = (ours.get(first) as number) / theirs.rps;
        ctx.report.add({
          scenario: "apollo sqlite 500",
          figure: `first: ${first}: ours / Apollo Server 5`,
          value: `${fmt.rps(ours.get(first) as number)} / ${fmt.rps(theirs.rps)}${theirs.errors ? ` (Apollo: ${theirs.errors} errors)` : ""}`,
          floor: `Apollo ${fmt.rps(theirs.rps)}`,
          ratio,
          target: "≥ 1.5",
          pass: ratio >= 1.5,
        });
      }
    } finally {
      await peer.stop();
    }
  },
};
