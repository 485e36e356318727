// A reconnect storm: every subscriber's stream drops at once and comes back with `after:`, as
// clients do after a gateway restart or a load balancer's drain. Here each comes back as if it
// had missed the newest `replay` events, replays them from the database (the `after:` path of
// generationsUpdated), then goes on live. Measured: the gateway's CPU for it (every
// instance's), the time until every subscriber has caught up, and whether each got exactly the
// events it missed, in order. These streams read in the bench's process: only their count and
// order are checked, no latency.
import { type BenchDatabase } from "./databases";
import { type BenchGateway } from "./gateway";
import { totalCpuSeconds } from "./processes";
import { subscribe } from "./sse";

export interface ReconnectResult {
  subscribers: number;
  /** Events each replayed. */
  events: number;
  ms: number;
  cpuSeconds: number;
  /** Subscribers whose replay had a gap, a duplicate or a foreign event (or did not finish within 30 s). */
  wrong: number;
}

/** `count` subscribers, spread over `gateways`, come back after the sequence `replay` events before the newest. */
export async function reconnectStorm(gateways: BenchGateway[], database: BenchDatabase, count: number, replay: number): Promise<ReconnectResult> {
  const rows = await database.sql(`SELECT "id" FROM "GenerationEvent" ORDER BY "id" DESC LIMIT ${replay + 1}`);
  const newestFirst = rows.map((row) => Number(row.id));
  const after = newestFirst.length > replay ? (newestFirst[replay] as number) : 0;
  const expected = newestFirst.filter((id) => id > after).reverse();
  const query = `subscription { generationsUpdated(after: ${after}) { kind sequence event { type toStatus } generation { id status } } }`;
  const gatewaysCpu = () => totalCpuSeconds(gateways.map((gateway) => gateway.proc.pid));
  const cpuBefore = gatewaysCpu();
  const started = Date.now();
  const streams = await Promise.all(
    Array.from({ length: count }, (_, i) => {
      const gateway = gateways[i % gateways.length] as BenchGateway;
      return subscribe(gateway.url, query, { authorization: `Bearer ${gateway.key}` });
    }),
  );
  const sequencesOf = (stream: (typeof streams)[number]) =>
    stream.received.filter((m) => m.data?.data?.generationsUpdated?.kind === "EVENT").map((m) => m.data.data.generationsUpdated.sequence as number);
  // Parsed as they arrive (every 100 ms): what this measures is the gateway's side.
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((done) => setTimeout(done, 100))) {
    if (streams.every((stream) => sequencesOf(stream).length >= expected.length)) break;
  }
  const ms = Date.now() - started;
  const cpu = gatewaysCpu() - cpuBefore;
  const wrong = streams.filter((stream) => sequencesOf(stream).join() !== expected.join()).length;
  for (const stream of streams) stream.close();
  return { subscribers: count, events: expected.length, ms, cpuSeconds: cpu, wrong };
}
