// A subscription stream's writes that come close together go out in one socket write
// (src/http/sse-coalescing.ts); a write after a quiet spell goes out at once; nothing is lost,
// reordered or left unsent when the stream ends inside a window. Real HTTP, a real socket.
import { type Server, createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { createSchema, createYoga } from "graphql-yoga";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { sseWriteCoalescing } from "../../src/http/sse-coalescing";
import { subscribe } from "../support/sse";

// yoga pings SSE streams every 300 ms under NODE_ENV=test (12 s otherwise); those writes would
// end this file's quiet spells.
const nodeEnv = process.env.NODE_ENV;
beforeAll(() => {
  process.env.NODE_ENV = "production";
});
afterAll(() => {
  process.env.NODE_ENV = nodeEnv;
});

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }
});

/**
 * A yoga server whose subscription sends `count` messages `gapMs` apart (after `firstAfterMs`),
 * then ends (`endAfterMs` after the last; ending flushes what is held); `writes` counts the socket writes (system calls) of its responses.
 */
async function serve(windowMs: number, stream: { count: number; gapMs: number; firstAfterMs?: number; endAfterMs?: number }) {
  const sentAt: number[] = [];
  const yoga = createYoga({
    logging: false,
    plugins: [sseWriteCoalescing(windowMs)],
    schema: createSchema({
      typeDefs: /* GraphQL */ `
        type Query { ok: Boolean }
        type Subscription { ticks: Int! }
      `,
      resolvers: {
        Subscription: {
          ticks: {
            subscribe: async function* () {
              await new Promise((done) => setTimeout(done, stream.firstAfterMs ?? 0));
              for (let i = 1; i <= stream.count; i++) {
                if (i > 1) await new Promise((done) => setTimeout(done, stream.gapMs));
                sentAt.push(performance.now());
                yield { ticks: i };
              }
              await new Promise((done) => setTimeout(done, stream.endAfterMs ?? 0));
            },
          },
        },
      },
    }),
  });
  const counter = { writes: 0 };
  const server = createServer(yoga);
  server.on("connection", (socket: Socket & { _write: Function; _writev?: Function }) => {
    const write = socket._write;
    const writev = socket._writev;
    socket._write = function (...args: unknown[]) {
      counter.writes++;
      return write.apply(this, args);
    };
    if (writev) {
      socket._writev = function (...args: unknown[]) {
        counter.writes++;
        return writev.apply(this, args);
      };
    }
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, counter, sentAt };
}

async function readAll(url: string): Promise<{ values: number[]; at: number[] }> {
  const subscription = await subscribe(url, "subscription { ticks }");
  const values: number[] = [];
  const at: number[] = [];
  for (let payload = await subscription.next(); payload !== null; payload = await subscription.next()) {
    values.push(payload.data.ticks);
    at.push(performance.now());
  }
  return { values, at };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

it("sends messages a few milliseconds apart in a handful of socket writes, every one, in order, and the stream's end", async () => {
  const coalesced = await serve(200, { count: 40, gapMs: 2 });
  const apart = await serve(0, { count: 40, gapMs: 2 });

  const together = await readAll(coalesced.url);
  const alone = await readAll(apart.url);

  expect(together.values).toEqual(range(40));
  expect(alone.values).toEqual(range(40));
  // Without coalescing, each message is its own write (the headers and the end add a few).
  expect(apart.counter.writes).toBeGreaterThanOrEqual(40);
  // 40 messages over ≥ 80 ms with a 200 ms window: the first message, then one or two windows.
  expect(coalesced.counter.writes).toBeLessThanOrEqual(6);
});

it("holds no message longer than the window, and a message after a quiet spell not at all", async () => {
  // The stream opens with a write (yoga's first comment line): the first message comes after a
  // quiet spell, as does the second, and each goes out at once.
  const { url, sentAt } = await serve(300, { count: 2, gapMs: 1_000, firstAfterMs: 500 });
  const { values, at } = await readAll(url);
  expect(values).toEqual([1, 2]);
  // Far below the 300 ms window: neither message waited for it.
  expect(at[0]! - sentAt[0]!).toBeLessThan(150);
  expect(at[1]! - sentAt[1]!).toBeLessThan(150);

  // The second of two messages 5 ms apart waits for the window's end, no longer.
  const close = await serve(300, { count: 2, gapMs: 5, firstAfterMs: 500, endAfterMs: 1_000 });
  const read = await readAll(close.url);
  expect(read.values).toEqual([1, 2]);
  expect(read.at[0]! - close.sentAt[0]!).toBeLessThan(150);
  const held = read.at[1]! - close.sentAt[0]!;
  expect(held).toBeGreaterThanOrEqual(250);
  expect(held).toBeLessThan(300 + 250);
});
