// Subscribers of one caller with the same document and variables get each shared update
// executed once (src/http/shared-subscription-execution.ts); anything that could make their
// answers differ (another caller, other variables, another document, their own progress, an
// update that is not the feed's shared object) is executed on its own.
import { createSchema, createYoga } from "graphql-yoga";
import { expect, it } from "vitest";
import type { Principal } from "../../src/auth/principal";
import { sharedSubscriptionExecution } from "../../src/http/shared-subscription-execution";

interface Update {
  kind: "EVENT" | "PROGRESS";
  event: { id: number } | null;
  generation: { id: string };
  progress: number;
  estimatedCompletionAt: Date | null;
}

/** What the event feed does: every stream is handed the same event and generation objects. */
function feed(count: number) {
  const generation = { id: "g1" };
  return Array.from({ length: count }, (_, i) => ({ event: { id: i + 1 }, generation }));
}

interface Context {
  principal: Principal;
  /** The progress this stream shows (in the gateway: clamped per stream). */
  progress: number;
}

function gatewayLike(items: ReturnType<typeof feed>, options: { tick?: boolean } = {}) {
  const executions: string[] = [];
  const yoga = createYoga<Context>({
    logging: false,
    plugins: [sharedSubscriptionExecution()],
    context: ({ request }) => {
      const caller = request.headers.get("x-caller") ?? "a";
      return {
        principal: { kind: "key", keyId: caller, keyPrefix: null, teamId: `team-${caller}`, scopes: new Set(["read"]), clientAddress: null } as Principal,
        progress: Number(request.headers.get("x-progress") ?? 0.5),
      };
    },
    schema: createSchema<Context>({
      typeDefs: /* GraphQL */ `
        type Query { ok: Boolean }
        type Update { sequence: Int! label(prefix: String): String! progress: Float! }
        type Subscription { updates(upTo: Int): Update! }
      `,
      resolvers: {
        Subscription: {
          updates: {
            // Each stream builds its own update around the shared objects, as the gateway's do.
            subscribe: async function* (_root: unknown, args: { upTo?: number }, context: Context) {
              for (const { event, generation } of items.slice(0, args.upTo ?? items.length)) {
                const update: Update = { kind: "EVENT", event, generation, progress: context.progress, estimatedCompletionAt: null };
                // A progress tick carries no shared event: never shared.
                yield options.tick ? { ...update, kind: "PROGRESS", event: null } : update;
              }
            },
            resolve: (update: Update) => update,
          },
        },
        Update: {
          sequence: (update: Update) => update.event?.id ?? 0,
          label: (update: Update, args: { prefix?: string }, context: Context) => {
            executions.push(`${context.principal.keyId}:${update.event?.id ?? "tick"}`);
            return `${args.prefix ?? ""}${update.generation.id}`;
          },
        },
      },
    }),
  });
  return { yoga, executions };
}

/** Every `next` payload of one SSE subscription, until the server completes it. */
async function collect(yoga: ReturnType<typeof gatewayLike>["yoga"], query: string, variables: object = {}, caller = "a", progress = 0.5) {
  const response = await yoga.fetch("http://gateway.test/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream", "x-caller": caller, "x-progress": String(progress) },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  return text
    .split("\n\n")
    .filter((block) => block.startsWith("event: next"))
    .map((block) => JSON.parse(block.slice(block.indexOf("data:") + 5)).data.updates);
}

const QUERY = `subscription($upTo: Int, $prefix: String) { updates(upTo: $upTo) { sequence label(prefix: $prefix) progress } }`;

it("executes each shared update once for subscribers of one caller with the same document and variables", async () => {
  const items = feed(4);
  const { yoga, executions } = gatewayLike(items);
  const streams = await Promise.all(Array.from({ length: 5 }, () => collect(yoga, QUERY, { prefix: "v-" })));
  const expected = [1, 2, 3, 4].map((sequence) => ({ sequence, label: "v-g1", progress: 0.5 }));
  for (const stream of streams) expect(stream).toEqual(expected);
  expect(executions.sort()).toEqual(["a:1", "a:2", "a:3", "a:4"]);
});

it("executes separately for another caller, other variables or another document", async () => {
  const items = feed(2);
  const { yoga, executions } = gatewayLike(items);
  const other = `subscription($prefix: String) { updates { label(prefix: $prefix) sequence } }`;
  const [a, b, c, d] = await Promise.all([
    collect(yoga, QUERY, { prefix: "x-" }, "a"),
    collect(yoga, QUERY, { prefix: "x-" }, "b"),
    collect(yoga, QUERY, { prefix: "y-" }, "a"),
    collect(yoga, other, { prefix: "x-" }, "a"),
  ]);
  expect(a.map((u) => u.label)).toEqual(["x-g1", "x-g1"]);
  expect(b.map((u) => u.label)).toEqual(["x-g1", "x-g1"]);
  expect(c.map((u) => u.label)).toEqual(["y-g1", "y-g1"]);
  expect(d).toEqual([
    { label: "x-g1", sequence: 1 },
    { label: "x-g1", sequence: 2 },
  ]);
  // Four selections (two callers, two variable sets, two documents), each executed per update.
  expect(executions).toHaveLength(8);
});

it("executes per stream when the streams' own progress differs, and for updates that are not shared objects", async () => {
  const mixed = gatewayLike(feed(2));
  const [first, second] = await Promise.all([collect(mixed.yoga, QUERY, {}, "a", 0.25), collect(mixed.yoga, QUERY, {}, "a", 0.75)]);
  expect(first.map((u) => u.progress)).toEqual([0.25, 0.25]);
  expect(second.map((u) => u.progress)).toEqual([0.75, 0.75]);
  expect(mixed.executions).toHaveLength(4);

  const ticks = gatewayLike(feed(3), { tick: true });
  const streams = await Promise.all([collect(ticks.yoga, QUERY), collect(ticks.yoga, QUERY)]);
  for (const stream of streams) expect(stream.map((u) => u.sequence)).toEqual([0, 0, 0]);
  expect(ticks.executions).toHaveLength(6);
});
