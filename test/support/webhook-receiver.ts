import { type IncomingHttpHeaders, type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

/**
 * A webhook receiver on 127.0.0.1, as a client's back end would run one: every request it gets
 * is verified with the `standardwebhooks` package against the secrets it knows, and recorded.
 * Its answers are scripted: `respond` queues answers (status, headers, or "hang"); with none
 * queued it answers 204.
 */
export interface ReceivedWebhook {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  /** The parsed body when a known secret verifies it; null when none does. */
  payload: any;
  /** The secret (index into `secrets`) that verified it, -1 when none did. */
  verifiedWith: number[];
  at: number;
  /** The request's path and query. */
  path: string;
  headers: IncomingHttpHeaders;
}

export type ScriptedAnswer = { status: number; headers?: Record<string, string>; body?: string } | "hang";

export interface WebhookReceiver {
  url: string;
  /** Secrets to verify with (add the one createWebhookEndpoint returned). */
  secrets: string[];
  received: ReceivedWebhook[];
  respond(...answers: ScriptedAnswer[]): void;
  /** Resolves once `count` requests have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(path = "/hooks"): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const script: ScriptedAnswer[] = [];
  const secrets: string[] = [];
  const hanging = new Set<import("node:http").ServerResponse>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const headers = {
        "webhook-id": String(request.headers["webhook-id"] ?? ""),
        "webhook-timestamp": String(request.headers["webhook-timestamp"] ?? ""),
        "webhook-signature": String(request.headers["webhook-signature"] ?? ""),
      };
      const verifiedWith: number[] = [];
      let payload: any = null;
      secrets.forEach((secret, index) => {
        try {
          payload = new Webhook(secret).verify(body, headers);
          verifiedWith.push(index);
        } catch {
          // not this secret
        }
      });
      received.push({
        id: headers["webhook-id"],
        timestamp: headers["webhook-timestamp"],
        signature: headers["webhook-signature"],
        body,
        payload,
        verifiedWith,
        at: Date.now(),
        path: request.url ?? "",
        headers: request.headers,
      });
      const answer = script.shift() ?? { status: 204 };
      if (answer === "hang") {
        hanging.add(response);
        return;
      }
      response.writeHead(answer.status, answer.headers ?? {});
      response.end(answer.body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    secrets,
    received,
    respond: (...answers) => script.push(...answers),
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`receiver got ${received.length} webhook(s), expected ${count}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return received.slice(0, count);
    },
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
