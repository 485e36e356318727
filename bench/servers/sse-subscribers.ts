// The sse scenario's subscribers, in a process of their own (the load comes from outside the
// bench's own process, whose heap grows over a full run). Each stream is bench/lib/sse.ts's:
// chunks stamped as read, parsed only when asked. Driven over HTTP by bench/lib/subscriber-pool.ts:
//   POST /open    { targets: [{ url, key }], count, query }  opens `count` streams, round-robin
//   GET  /last    { lastAt }                                 the latest chunk's arrival (ms)
//   POST /finals  { ids }                                    { all }: every stream has each id's final update
//   GET  /collect [{ dropped, received: [{ at, data }] }]    every stream's messages, parsed
//   POST /close                                              closes every stream
import { createServer, type IncomingMessage } from "node:http";
import { genId, isFinal } from "../lib/sse-facts";
import { type Subscriber, subscribe } from "../lib/sse";

let streams: Subscriber[] = [];

const body = async (request: IncomingMessage): Promise<any> => {
  let text = "";
  for await (const chunk of request) text += chunk;
  return text ? JSON.parse(text) : {};
};

createServer(async (request, response) => {
  const reply = (value: unknown) => response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(value));
  try {
    switch (`${request.method} ${request.url}`) {
      case "GET /healthz":
        return void response.writeHead(204).end();
      case "POST /open": {
        const { targets, count, query } = (await body(request)) as { targets: Array<{ url: string; key: string }>; count: number; query: string };
        for (let i = 0; i < count; i += 20) {
          streams.push(
            ...(await Promise.all(
              Array.from({ length: Math.min(20, count - i) }, (_, j) => {
                const target = targets[(i + j) % targets.length] as { url: string; key: string };
                return subscribe(target.url, query, { authorization: `Bearer ${target.key}` });
              }),
            )),
          );
        }
        return reply({ open: streams.length });
      }
      case "GET /last":
        return reply({ lastAt: Math.max(0, ...streams.map((stream) => stream.lastAt)) });
      case "POST /finals": {
        const ids = new Set((await body(request)).ids as string[]);
        const all = streams.every((stream) => new Set(stream.received.filter((m) => isFinal(m.data) && ids.has(genId(m.data))).map((m) => genId(m.data))).size === ids.size);
        return reply({ all });
      }
      case "GET /collect":
        return reply(streams.map((stream) => ({ dropped: stream.dropped, received: stream.received })));
      case "POST /close":
        for (const stream of streams) stream.close();
        streams = [];
        return reply({ closed: true });
      default:
        return void response.writeHead(404).end();
    }
  } catch (error) {
    response.writeHead(500).end(String(error));
  }
}).listen(Number(process.env.PORT), "127.0.0.1");
process.once("SIGTERM", () => process.exit(0));
