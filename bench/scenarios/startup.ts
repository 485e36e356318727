// Startup: from spawning `node dist/server.js` (sandbox mode, SQLite, as `npm start` runs it)
// to its first answer to a GraphQL request; the first start also creates and migrates the
// database, the next three (median) find it. Beside it, the yoga hello-world's startup,
// bundled by esbuild as the gateway is. Target < 1.5 s.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { BenchContext, Scenario } from "../lib/context";
import { startProcess } from "../lib/processes";
import { fmt, quantile } from "../lib/report";

export const startup: Scenario = {
  name: "startup",
  async run(ctx: BenchContext) {
    const data = join(ctx.dir, "startup");
    mkdirSync(data, { recursive: true });
    const env = { DATABASE_URL: `file:${join(data, "gateway.db")}`, MEDIA_DIR: join(data, "media") };
    const times: number[] = [];
    for (let i = 0; i < 4; i++) {
      const proc = await startProcess({ name: "startup", entry: "dist/server.js", cwd: data, env });
      times.push(proc.startupMs);
      await proc.stop();
    }
    const floors: number[] = [];
    for (let i = 0; i < 3; i++) {
      const proc = await startProcess({ name: "hello-startup", entry: ctx.helloEntry, cwd: ctx.dir });
      floors.push(proc.startupMs);
      await proc.stop();
    }
    const first = times[0] as number;
    const restart = quantile(times.slice(1), 0.5);
    const floor = quantile(floors, 0.5);
    ctx.report.add({ scenario: "startup", figure: "first start (creates and migrates SQLite) → first answer", value: fmt.ms(first), target: "< 1,500 ms", pass: first < 1500 });
    ctx.report.add({
      scenario: "startup",
      figure: "restart → first answer (median of 3)",
      value: fmt.ms(restart),
      floor: `hello (bundled) ${fmt.ms(floor)}`,
      ratio: restart / floor,
      target: "< 1,500 ms",
      pass: restart < 1500,
    });
  },
};
