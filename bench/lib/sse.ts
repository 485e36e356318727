// A lean GraphQL-over-SSE subscriber (yoga's distinct-connections mode): POST the
// subscription with accept: text/event-stream, then stamp each chunk with the time it was read.
// The chunks are parsed only when `received` is first read, after the deliveries measured: 200
// subscribers share the machine's two cores with the gateway, and parsing on arrival (with
// fetch's web streams, 2.2 s of CPU for 100,000 messages) delayed the stamps of the chunks
// behind it and took CPU the gateway then lacked. node:http, as load generators use.
import { request } from "node:http";

export interface Subscriber {
  /** Every `next` payload with its arrival time (Date.now() when its chunk was read). */
  readonly received: Array<{ at: number; data: any }>;
  /** When the last chunk arrived (Date.now()), 0 before any. */
  readonly lastAt: number;
  /** Set when the stream ended or failed before close() was called. */
  readonly dropped: string | null;
  close(): void;
}

export function subscribe(url: string, query: string, headers: Record<string, string>): Promise<Subscriber> {
  const body = JSON.stringify({ query });
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/graphql`,
      {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), accept: "text/event-stream", ...headers },
        agent: false,
      },
      (res) => {
        res.setEncoding("utf8");
        if (res.statusCode !== 200 || !res.headers["content-type"]?.startsWith("text/event-stream")) {
          let text = "";
          res.on("data", (chunk: string) => (text += chunk));
          res.on("end", () => reject(new Error(`subscription refused: HTTP ${res.statusCode} ${text}`)));
          return;
        }
        const chunks: Array<{ at: number; text: string }> = [];
        let parsed: Array<{ at: number; data: any }> = [];
        let buffer = "";
        let closed = false;
        let dropped: string | null = null;
        let lastAt = 0;
        res.on("data", (text: string) => {
          lastAt = Date.now();
          chunks.push({ at: lastAt, text });
        });
        res.on("end", () => {
          if (!closed) dropped ??= "the server ended the stream";
        });
        res.on("error", (error) => {
          if (!closed) dropped ??= String(error);
        });
        res.on("close", () => {
          if (!closed) dropped ??= "the connection closed";
        });
        resolve({
          get received() {
            for (const { at, text } of chunks.splice(0)) {
              buffer += text;
              for (let boundary = buffer.indexOf("\n\n"); boundary >= 0; boundary = buffer.indexOf("\n\n")) {
                const block = buffer.slice(0, boundary);
                buffer = buffer.slice(boundary + 2);
                if (!block.includes("event: next")) continue;
                parsed.push({ at, data: JSON.parse(block.slice(block.indexOf("data:") + 5)) });
              }
            }
            return parsed;
          },
          get lastAt() {
            return lastAt;
          },
          get dropped() {
            return dropped;
          },
          close() {
            closed = true;
            req.destroy();
          },
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
