import { afterAll, beforeAll, expect, it } from "vitest";
import { type TestTeam, makeTeam } from "./budget/support";
import { databaseTargets } from "./support/databases";
import { type Harness, VALID_INPUT, startHarness } from "./support/harness";
import { type SseSubscription, subscribe } from "./support/sse";
import { until } from "./support/until";

/**
 * Open subscriptions are limited per API key and per client address: one more is refused with
 * TOO_MANY_SUBSCRIPTIONS, and a place frees when a stream ends or its client goes away. The
 * limiter counts in memory; one database is enough.
 */
const ALL = `subscription($after: Int) { generationsUpdated(after: $after) { kind sequence } }`;
const ONE = `subscription($id: ID!) { generationUpdated(id: $id, after: 0) { kind sequence generation { status } } }`;

const target = databaseTargets()[0]!;
let harness: Harness;
let baseUrl: string;
let teamA: TestTeam;
let teamB: TestTeam;
const open: SseSubscription[] = [];

beforeAll(async () => {
  harness = await startHarness(target, { start: false, subscriptionLimits: { perKey: 2, perAddress: 3 } });
  baseUrl = await harness.listen();
  teamA = await makeTeam(harness.db);
  teamB = await makeTeam(harness.db);
  // Something to replay, so an accepted stream answers at once.
  for (const team of [teamA, teamB]) {
    const result = await harness.gqlAs(team.key, `mutation($input: GenerateVideoInput!) { generateVideo(input: $input) { __typename } }`, {
      input: VALID_INPUT,
    });
    expect(result.data.generateVideo.__typename).toBe("GenerateVideoPayload");
  }
});
afterAll(async () => {
  for (const stream of open) stream.close();
  await harness?.close();
});

/** Opens a subscription as `key`; its first payload says whether it was accepted. */
async function openAs(key: string | null, query = ALL, variables: Record<string, unknown> = { after: 0 }) {
  const stream = await subscribe(baseUrl, query, variables, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  open.push(stream);
  const first = await stream.next();
  return { stream, first };
}

function expectRefused(first: any, scope: "KEY" | "ADDRESS", limit: number) {
  expect(first.data ?? null).toBeNull();
  expect(first.errors).toEqual([
    expect.objectContaining({
      message: expect.stringMatching(/^Too many subscriptions open/),
      extensions: expect.objectContaining({ code: "TOO_MANY_SUBSCRIPTIONS", scope, limit }),
    }),
  ]);
}

const limiter = () => harness.gateway.services.subscriptionLimiter;

it("refuses a key's subscription beyond MAX_SUBSCRIPTIONS_PER_KEY, and an address's beyond MAX_SUBSCRIPTIONS_PER_ADDRESS", async () => {
  const a1 = await openAs(teamA.key);
  const a2 = await openAs(teamA.key);
  expect(a1.first.data.generationsUpdated.kind).toBe("EVENT");
  expect(a2.first.data.generationsUpdated.kind).toBe("EVENT");
  expectRefused((await openAs(teamA.key)).first, "KEY", 2);

  // Another key from the same address: its own key limit is fine, the address has one place left.
  const b1 = await openAs(teamB.key);
  expect(b1.first.data.generationsUpdated.kind).toBe("EVENT");
  expectRefused((await openAs(teamB.key)).first, "ADDRESS", 3);
  // Anonymous callers have no key, but an address.
  expectRefused((await openAs(null)).first, "ADDRESS", 3);
  expect(limiter().openFor({ keyId: teamA.keyId })).toBe(2);

  // A client that goes away gives its place back.
  a1.stream.close();
  await until("the closed stream to be released", () => limiter().openFor({ keyId: teamA.keyId }) === 1);
  const again = await openAs(teamA.key);
  expect(again.first.data.generationsUpdated.kind).toBe("EVENT");

  for (const stream of [a2.stream, b1.stream, again.stream]) stream.close();
  await until("every stream to be released", () => limiter().openFor({ keyId: teamA.keyId }) === 0 && limiter().openFor({ keyId: teamB.keyId }) === 0);
});

it("a stream that ends by itself gives its place back", async () => {
  const created = await harness.gqlAs(
    teamA.key,
    `mutation($input: GenerateVideoInput!) { generateVideo(input: $input) { ... on GenerateVideoPayload { generation { id } } } }`,
    { input: { ...VALID_INPUT, seed: 77 } },
  );
  const id = created.data.generateVideo.generation.id;
  const canceled = await harness.gqlAs(teamA.key, `mutation($id: ID!) { cancelGeneration(id: $id) { __typename } }`, { id });
  expect(canceled.data.cancelGeneration.__typename).toBe("CancelGenerationPayload");

  // The finished generation's stream, three times: each replays, completes, and frees its place.
  for (let round = 0; round < 3; round += 1) {
    const { stream, first } = await openAs(teamA.key, ONE, { id });
    expect(first.data.generationUpdated.kind).toBe("EVENT");
    const rest = await stream.collect();
    expect(rest.at(-1)?.data.generationUpdated.generation.status ?? first.data.generationUpdated.generation.status).toBe("CANCELED");
    await until("the completed stream to be released", () => limiter().openFor({ keyId: teamA.keyId }) === 0);
  }
});
