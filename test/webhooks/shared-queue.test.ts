import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { SharedCoordination } from "../../src/gateway";
import { type SegmindStandIn, startSegmindStandIn } from "../../src/sandbox/standin";
import { makeTeam } from "../budget/support";
import { type FreshDatabase, databaseTargets } from "../support/databases";
import { type Harness, TEST_API_KEY, VALID_INPUT, localId, startHarness } from "../support/harness";
import { connectTestRedis, deleteRedisKeys, describeWithRedis, freshRedisPrefix } from "../support/redis";
import { type WebhookReceiver, startWebhookReceiver } from "../support/webhook-receiver";
import { FINAL_EVENTS, addEndpoint } from "./support";

/**
 * Webhooks on the BullMQ queue ("webhooks", next to "generations"): two instances share one
 * PostgreSQL, one Redis and one receiver. Every delivery is sent by exactly one of them.
 */
const postgresql = databaseTargets().find((target) => target.provider === "postgresql")!;

describeWithRedis("webhooks on the shared BullMQ queue", () => {
  let redis: Redis;
  let standIn: SegmindStandIn;
  let database: FreshDatabase;
  let shared: SharedCoordination;
  let hooks: WebhookReceiver;
  const instances: Harness[] = [];
  // Every instance must seal and open secrets with the same key (WEBHOOK_SECRET_KEY).
  const key = randomBytes(32);

  beforeAll(async () => {
    if (postgresql.unavailable) throw new Error(postgresql.unavailable);
    redis = connectTestRedis();
    database = await postgresql.createDatabase();
    standIn = await startSegmindStandIn({ apiKey: TEST_API_KEY, jobDurationMs: 200 });
    shared = { connection: redis, prefix: freshRedisPrefix() };
    hooks = await startWebhookReceiver();
    for (let i = 0; i < 2; i += 1) {
      instances.push(
        await startHarness(postgresql, {
          database,
          standIn,
          shared,
          worker: { lockDurationMs: 2_000 },
          webhooks: { secretKey: () => key },
        }),
      );
    }
  });
  afterAll(async () => {
    for (const instance of instances) await instance.close({ keepDatabase: true, keepStandIn: true });
    await hooks?.close();
    await standIn?.close();
    await database?.drop();
    if (shared) await deleteRedisKeys(redis, shared.prefix);
    await redis?.quit();
  });

  it("each delivery is sent once, by one instance, signed with the shared secret", async () => {
    const [a, b] = instances as [Harness, Harness];
    const team = await makeTeam(a.db);
    const { endpoint, secret } = await addEndpoint(a, team.teamId, { url: hooks.url, events: FINAL_EVENTS });
    hooks.secrets.push(secret);
    const ids: string[] = [];
    for (let seed = 1; seed <= 8; seed += 1) {
      const via = seed % 2 === 0 ? a : b;
      const result = await via.gqlAs(team.key, `mutation($input: GenerateVideoInput!) { generateVideo(input: $input) { ... on GenerateVideoPayload { generation { id } } } }`, { input: { ...VALID_INPUT, seed } });
      ids.push(localId(result.data.generateVideo.generation.id));
    }
    for (const id of ids) await a.waitForStatus(id, ["SUCCEEDED"], 20_000);
    await hooks.waitFor(8, 20_000);
    await Promise.all(instances.map((instance) => instance.gateway.services.webhooks.dispatcher.idle()));
    // A moment for a duplicate to show up, if one were coming.
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(hooks.received).toHaveLength(8);
    expect(new Set(hooks.received.map((hook) => hook.id)).size).toBe(8);
    for (const hook of hooks.received) expect(hook.verifiedWith).toEqual([0]);
    expect(hooks.received.map((hook) => localId(hook.payload.data.generation.id)).sort()).toEqual([...ids].sort());
    const deliveries = await a.db.webhookDelivery.findMany({ where: { endpointId: endpoint.id } });
    expect(deliveries.map((delivery) => [delivery.status, delivery.attempts])).toEqual(Array(8).fill(["DELIVERED", 1]));
    // The deliveries went through the "webhooks" BullMQ queue of this deployment's prefix.
    const [, keys] = await redis.scan("0", "MATCH", `${shared.prefix}:webhooks:*`, "COUNT", 1_000);
    expect(keys.length).toBeGreaterThan(0);
  });
});
