// Subscriptions over SSE through src/http/event-stream.ts: the bytes yoga's own processor sends
// (results, errors with their internals stripped, the end), a shared result serialised once for
// all its streams, and a client that goes away ends the stream's source (its finally runs).
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { GraphQLError } from "graphql";
import { type Plugin, createSchema, createYoga, isAsyncIterable } from "graphql-yoga";
import { afterEach, expect, it, vi } from "vitest";
import { leanEventStreams } from "../../src/http/event-stream";
import { sharedSubscriptionExecution } from "../../src/http/shared-subscription-execution";
import { hideSuggestions } from "../../src/http/suggestions";

const logged: Array<{ message: string; fields?: Record<string, unknown> }> = [];
const logger = {
  debug() {},
  info() {},
  warn() {},
  error: (message: string, fields?: Record<string, unknown>) => logged.push({ message, fields }),
};

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }
});

const generation = { id: "g1" };
const events = Array.from({ length: 10 }, (_, i) => ({ id: i + 1 }));
let ended = 0;

function yogaWith(plugins: Plugin[]) {
  return createYoga({
    logging: false,
    plugins: [sharedSubscriptionExecution(), ...plugins],
    schema: createSchema({
      typeDefs: /* GraphQL */ `
        type Query { ok: Boolean }
        type Update { sequence: Int! text: String! broken: String }
        type Subscription { updates(count: Int!, failAt: Int, forever: Boolean, breakAfter: Int, hint: Boolean): Update! }
      `,
      resolvers: {
        Subscription: {
          updates: {
            // The feed's shape: EVENT updates around shared objects (so they are shared). An
            // iterator, not a generator: its return() runs at once, where a generator waiting
            // inside `await` would only see it after the wait.
            subscribe: (_root: unknown, args: { count: number; failAt?: number; forever?: boolean; breakAfter?: number; hint?: boolean }): AsyncIterableIterator<unknown> => {
              let i = 0;
              let done = false;
              const iterator: AsyncIterableIterator<unknown> = {
                [Symbol.asyncIterator]: () => iterator,
                next: async () => {
                  if (!done && args.breakAfter !== undefined && i >= args.breakAfter) {
                    // As a generator that throws: the error, then done.
                    done = true;
                    throw new Error("the source broke");
                  }
                  if (!done && i < args.count) {
                    i++;
                    return { done: false, value: { kind: "EVENT", event: events[i - 1], generation, sequence: i, failAt: args.failAt, hint: args.hint } };
                  }
                  if (!done && args.forever) return new Promise<IteratorResult<unknown>>(() => {});
                  if (!done) ended++;
                  done = true;
                  return { done: true, value: undefined };
                },
                return: async () => {
                  if (!done) ended++;
                  done = true;
                  return { done: true, value: undefined };
                },
              };
              return iterator;
            },
            resolve: (update: unknown) => update,
          },
        },
        Update: {
          text: (update: { sequence: number }) => `übung "${update.sequence}"\n`,
          broken: (update: { sequence: number; failAt?: number; hint?: boolean }) => {
            if (update.sequence !== update.failAt) return null;
            throw new GraphQLError(update.hint ? 'broken on purpose. Did you mean "mended"?' : "broken on purpose", { extensions: { code: "BROKEN", http: { status: 418 } } });
          },
        },
      },
    }),
  });
}

async function streamText(yoga: ReturnType<typeof yogaWith>, query: string): Promise<string> {
  const response = await yoga.fetch("http://gateway.test/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify({ query }),
  });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("text/event-stream");
  // Pings (comment lines) come on a timer; the messages are what must match.
  return (await response.text()).replace(/^:\n\n/gm, "");
}

it("sends what yoga's processor sends: each result, errors without internals, then the end", async () => {
  const queries = [
    "subscription { updates(count: 5) { sequence text } }",
    "subscription { updates(count: 4, failAt: 2) { sequence broken } }",
    // The source itself fails after one update: a masked error, then the end.
    "subscription { updates(count: 5, breakAfter: 1) { sequence } }",
  ];
  for (const query of queries) {
    const ours = await streamText(yogaWith([leanEventStreams(logger)]), query);
    const yogas = await streamText(yogaWith([]), query);
    expect(ours).toBe(yogas);
    expect(ours.endsWith("event: complete\ndata:\n\n")).toBe(true);
  }
  const withError = await streamText(yogaWith([leanEventStreams(logger)]), queries[1]!);
  expect(withError).toContain('"message":"broken on purpose"');
  expect(withError).toContain('"code":"BROKEN"');
  expect(withError).not.toContain('"http"');
});

it("with suggestions hidden (introspection off), every result still arrives, in order, and none suggests a name", async () => {
  const query = "subscription { updates(count: 6, failAt: 3, hint: true) { sequence broken } }";
  const shown = await streamText(yogaWith([leanEventStreams(logger)]), query);
  expect(shown).toContain('Did you mean \\"mended\\"?');
  const hidden = await streamText(yogaWith([leanEventStreams(logger), hideSuggestions()]), query);
  expect(hidden.match(/"sequence":(\d+)/g)).toEqual([1, 2, 3, 4, 5, 6].map((n) => `"sequence":${n}`));
  expect(hidden).toContain('"message":"broken on purpose."');
  expect(hidden).not.toContain("Did you mean");
  expect(hidden.endsWith("event: complete\ndata:\n\n")).toBe(true);
});

it("serialises a result shared by many streams once, and a stream whose copy a plugin changed on its own", async () => {
  const stringified: unknown[] = [];
  const serialised = () => stringified.filter((value) => (value as { data?: { updates?: unknown } })?.data?.updates !== undefined).length;
  const original = JSON.stringify;
  const spy = vi.spyOn(JSON, "stringify").mockImplementation((value: unknown, ...rest: unknown[]) => {
    stringified.push(value);
    return (original as (...args: unknown[]) => string)(value, ...rest);
  });
  try {
    const yoga = yogaWith([leanEventStreams(logger)]);
    const texts = await Promise.all(Array.from({ length: 5 }, () => streamText(yoga, "subscription { updates(count: 4) { sequence } }")));
    for (const text of texts) expect(text).toBe(texts[0]);
    expect(texts[0]!.match(/event: next/g)).toHaveLength(4);
    // 4 updates to 5 streams: 4 serialisations, not 20.
    expect(serialised()).toBe(4);

    // A plugin that marks each stream's results in place: every stream shows its own mark.
    stringified.length = 0;
    let streamCount = 0;
    const marking: Plugin = {
      onSubscribe() {
        const stream = ++streamCount;
        return {
          onSubscribeResult: () => ({
            onNext: ({ result }: { result: { extensions?: Record<string, unknown> } }) => {
              result.extensions = { stream };
            },
          }),
        };
      },
    };
    const marked = yogaWith([leanEventStreams(logger), marking]);
    const streams = await Promise.all(Array.from({ length: 3 }, () => streamText(marked, "subscription { updates(count: 4) { sequence } }")));
    const payloads = streams.map((text) =>
      text
        .split("\n\n")
        .filter((block) => block.startsWith("event: next"))
        .map((block) => JSON.parse(block.slice(block.indexOf("data:") + 5))),
    );
    expect(payloads.map((events) => [...new Set(events.map((event) => event.extensions?.stream))]).flat().sort()).toEqual([1, 2, 3]);
    for (const events of payloads) expect(events.map((event) => event.data.updates.sequence)).toEqual([1, 2, 3, 4]);
    expect(serialised()).toBe(12);
  } finally {
    spy.mockRestore();
  }
});

it("ends the stream's source when the client goes away", async () => {
  const server = createServer(yogaWith([leanEventStreams(logger)]));
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const before = ended;
  const controller = new AbortController();
  const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify({ query: "subscription { updates(count: 2, forever: true) { sequence } }" }),
    signal: controller.signal,
  });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes('"sequence":2')) text += (await reader.read()).value ?? "";
  expect(ended).toBe(before);
  controller.abort();
  await vi.waitFor(() => expect(ended).toBe(before + 1), { timeout: 5_000 });
});

it("ends a stream whose iterator itself fails, without `complete`, logs why with the request id, and leaves nothing unhandled", async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on("unhandledRejection", onUnhandled);
  // A plugin after ours hands the processor a stream that rejects on its second read.
  const breaking: Plugin = {
    onResultProcess({ result, setResult }) {
      if (!isAsyncIterable(result)) return;
      const inner = (result as AsyncIterable<unknown>)[Symbol.asyncIterator]();
      let reads = 0;
      const iterator: AsyncIterableIterator<unknown> = {
        [Symbol.asyncIterator]: () => iterator,
        next: () => (++reads === 2 ? Promise.reject(new Error("the stream broke")) : inner.next()),
        return: () => inner.return?.() ?? Promise.resolve({ done: true, value: undefined }),
      };
      setResult(iterator as never);
    },
  };
  try {
    logged.length = 0;
    const text = await streamText(yogaWith([leanEventStreams(logger), breaking]), "subscription { updates(count: 5) { sequence } }");
    expect(text).toContain('"sequence":1');
    expect(text).not.toContain('"sequence":2');
    expect(text).not.toContain("event: complete");
    await new Promise((done) => setTimeout(done, 50));
    expect(unhandled).toEqual([]);
    expect(logged).toHaveLength(1);
    expect(String(logged[0]?.fields?.error)).toContain("the stream broke");
    expect(logged[0]?.fields?.requestId).toEqual(expect.any(String));
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }
});
