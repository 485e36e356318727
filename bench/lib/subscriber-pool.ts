// The sse scenario's side of bench/servers/sse-subscribers.ts: the subscribers run in a process
// of their own; this asks it for what the scenario reads.
import type { BenchGateway } from "./gateway";
import { type Proc, startProcess } from "./processes";

export interface CollectedStream {
  dropped: string | null;
  received: Array<{ at: number; data: any }>;
}

export interface SubscriberPool {
  /** The subscribers' process (for its CPU time). */
  readonly pid: number;
  open(gateways: BenchGateway[], count: number, query: string): Promise<void>;
  /** When the latest chunk arrived on any stream (Date.now() in that process; 0 before any). */
  lastAt(): Promise<number>;
  /** Whether every stream has the final update of each of these generations. */
  hasAllFinals(ids: readonly string[]): Promise<boolean>;
  collect(): Promise<CollectedStream[]>;
  closeStreams(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSubscriberPool(dir: string, name: string): Promise<SubscriberPool> {
  const proc: Proc = await startProcess({ name, entry: "bench/servers/sse-subscribers.ts", cwd: dir, readyPath: "/healthz" });
  const call = async <T>(method: "GET" | "POST", path: string, payload?: unknown): Promise<T> => {
    const response = await fetch(`${proc.url}${path}`, { method, ...(payload === undefined ? {} : { body: JSON.stringify(payload) }) });
    if (!response.ok) throw new Error(`${name} ${path}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  return {
    pid: proc.pid,
    async open(gateways, count, query) {
      await call("POST", "/open", { targets: gateways.map((gateway) => ({ url: gateway.url, key: gateway.key })), count, query });
    },
    lastAt: async () => (await call<{ lastAt: number }>("GET", "/last")).lastAt,
    hasAllFinals: async (ids) => (await call<{ all: boolean }>("POST", "/finals", { ids })).all,
    collect: () => call<CollectedStream[]>("GET", "/collect"),
    async closeStreams() {
      await call("POST", "/close");
    },
    stop: () => proc.stop(),
  };
}
