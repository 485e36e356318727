// Ad-hoc, not part of `npm run bench`: where a history page's CPU goes.
//   PROVIDER=sqlite|postgresql FIRST=50 SECONDS=8 npx tsx bench/profile-page.ts [cpu profile dir]
// Seeds 500 generations (ROWS=100000: 100,000) as the page scenario does, then loads the
// compiled gateway with the query variants named in VARIANTS (page, noEvents,
// noEventsNoManifest, noCount, typename) and prints req/s and the gateway's CPU ms per request
// (from /proc: on a shared machine a steadier figure than req/s); FLOOR=1 measures yoga from
// memory on the same answer first; DUMP=1 prints the first: 1 answer and stops. With a
// directory, the gateway runs with --cpu-prof and writes its profile there on exit.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDatabase, type Provider } from "./lib/databases";
import { startGateway, startStandIn } from "./lib/gateway";
import { PAGE } from "./lib/graphql";
import { load } from "./lib/load";
import { cloneGenerations, eventCount, makeTemplate } from "./lib/seed";
import { readSettings } from "./lib/settings";
import { readFileSync, writeFileSync } from "node:fs";
import { startProcess } from "./lib/processes";

/** CPU time (user + system, ms) a process has used so far. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

const provider = (process.env.PROVIDER ?? "sqlite") as Provider;
const first = Number(process.env.FIRST ?? 50);
const profileDir = process.argv[2];
const dir = mkdtempSync(join(tmpdir(), "profile-page-"));
const standIn = await startStandIn(dir, "standin", { jobMs: 200 });
const database = await createDatabase(provider, dir, `profile-${provider}`);
const env: Record<string, string> = { SEGMIND_MAX_RPM: "0" };
const gateway = await startGateway(dir, "gw", database, standIn, env);
const template = await makeTemplate(gateway.url, gateway.key);
template.events = await eventCount(database, template.id);
await cloneGenerations(database, template, { count: 499, prefix: "019", events: "all" });
if (process.env.ROWS === "100000") await cloneGenerations(database, template, { count: 99_500, prefix: "018", events: 3 });
if (process.env.DUMP) {
  const { post } = await import("./lib/graphql");
  console.log(JSON.stringify(await post(gateway.url, PAGE, { first: 1 }, gateway.key), null, 1));
  await gateway.proc.stop();
  await standIn.proc.stop();
  await database.drop();
  process.exit(0);
}
await gateway.proc.stop();
const profiled = await startGateway(dir, "gw2", database, standIn, env, profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []);
const settings = { ...readSettings([]), durationS: Number(process.env.SECONDS ?? 8) };
const variants: Record<string, string> = {
  page: PAGE,
  noEvents: PAGE.replace(/events \{[^}]*\}/, ""),
  noEventsNoManifest: PAGE.replace(/events \{[^}]*\}/, "").replace(/manifest \{[^}]*\}/, ""),
  noCount: PAGE.replace("totalCount", ""),
  typename: "query Page($first: Int!) { __typename }",
};
let floorServer: Awaited<ReturnType<typeof startProcess>> | undefined;
if (process.env.FLOOR) {
  const { post } = await import("./lib/graphql");
  const answer = await post(profiled.url, PAGE, { first }, profiled.key);
  const file = join(dir, "pages.json");
  writeFileSync(file, JSON.stringify({ [String(first)]: answer.data.generations }));
  floorServer = await startProcess({ name: "memory-page", entry: "bench/servers/memory-page.ts", cwd: dir, env: { BENCH_PAGES: file }, nodeFlags: profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}/floor`] : [] });
  const before = cpuMs(floorServer.pid);
  const result = await load(settings, { url: `${floorServer.url}/graphql`, body: JSON.stringify({ query: PAGE, variables: { first } }), expect: '"totalCount"', connections: 10 });
  console.log(`floor first ${first}: ${result.rps.toFixed(1)} req/s, CPU ${((cpuMs(floorServer.pid) - before) / (result.requests || 1)).toFixed(2)} ms/request`);
  await floorServer.stop();
}
for (const name of (process.env.VARIANTS ?? "page").split(",")) {
  const cpuBefore = cpuMs(profiled.proc.pid);
  const result = await load(settings, {
    url: `${profiled.url}/graphql`,
    headers: { authorization: `Bearer ${profiled.key}` },
    body: JSON.stringify({ query: variants[name], variables: { first } }),
    expect: '"data"',
    connections: 10,
  });
  const perRequest = (cpuMs(profiled.proc.pid) - cpuBefore) / (result.requests || 1);
  console.log(`${provider} first ${first} ${name}: ${result.rps.toFixed(1)} req/s p99 ${result.p99} errors ${result.errors}, CPU ${perRequest.toFixed(2)} ms/request`);
}
await profiled.proc.stop();
await standIn.proc.stop();
await database.drop();
process.exit(0);
