// The accept path: generateVideo with an API key, a team budget (hold in the ledger) and the
// audit trail, as a client sends it; every answer must be a GenerateVideoPayload (counted in
// the database afterwards). Target: >= 500 req/s and p99 < 100 ms at 50 connections.
import type { BenchContext, Scenario } from "../lib/context";
import { PROVIDERS, createDatabase } from "../lib/databases";
import { startGateway } from "../lib/gateway";
import { GENERATE, GENERATE_INPUT } from "../lib/graphql";
import { load } from "../lib/load";
import { fmt } from "../lib/report";

export const accept: Scenario = {
  name: "accept",
  async run(ctx: BenchContext) {
    for (const provider of PROVIDERS) {
      const database = await createDatabase(provider, ctx.dir, `accept-${provider}`);
      const gateway = await startGateway(ctx.dir, `accept-${provider}`, database, ctx.standIn);
      try {
        const result = await load(ctx.settings, {
          url: `${gateway.url}/graphql`,
          headers: { authorization: `Bearer ${gateway.key}` },
          body: JSON.stringify({ query: GENERATE, variables: { input: GENERATE_INPUT } }),
          expect: '"GenerateVideoPayload"',
        });
        const [row] = await database.sql(`SELECT COUNT(*) AS n FROM "Generation"`);
        const accepted = Number(row?.n);
        const scenario = `accept ${provider}`;
        ctx.report.add({
          scenario,
          figure: "generateVideo req/s",
          value: fmt.rps(result.rps),
          floor: `hello ${fmt.rps(ctx.helloRps)}`,
          ratio: result.rps / ctx.helloRps,
          target: "≥ 500 req/s",
          pass: result.rps >= 500,
        });
        ctx.report.add({ scenario, figure: "generateVideo p99 (p50)", value: `${fmt.ms(result.p99)} (${fmt.ms(result.p50)})`, target: "p99 < 100 ms", pass: result.p99 < 100 });
        ctx.report.add({
          scenario,
          figure: "failed answers (errors, timeouts, non-2xx, not a payload)",
          value: `${result.errors} of ${result.requests} (${accepted} generations stored)`,
          target: "0",
          pass: result.errors === 0,
        });
      } finally {
        await gateway.proc.stop();
        await database.drop();
      }
    }
  },
};
