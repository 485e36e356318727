import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { sealAudit } from "../../src/audit/seal";
import { addKey, makeTeam } from "../budget/support";
import { describeEachDatabase } from "../support/databases";
import { type Harness, VALID_INPUT, localId, startHarness } from "../support/harness";
import { type WebhookReceiver, startWebhookReceiver } from "../support/webhook-receiver";
import { FINAL_EVENTS, addEndpoint, webhooksIdle } from "./support";

/**
 * Signed delivery from the outbox, end to end: real generations through the stand-in, real
 * HTTP receivers on loopback that verify every signature with `standardwebhooks`.
 */
describeEachDatabase("webhooks: signed delivery from the outbox", (target) => {
  let harness: Harness;
  const receivers: WebhookReceiver[] = [];
  const receiver = async () => {
    const started = await startWebhookReceiver();
    receivers.push(started);
    return started;
  };

  beforeAll(async () => {
    harness = await startHarness(target);
  });
  afterEach(async () => {
    for (const started of receivers.splice(0)) await started.close();
  });
  afterAll(() => harness?.close());

  const generateAs = async (key: string, input: Record<string, unknown> = VALID_INPUT) => {
    const result = await harness.gqlAs(key, `mutation($input: GenerateVideoInput!) { generateVideo(input: $input) { ... on GenerateVideoPayload { generation { id } } } }`, { input });
    return localId(result.data.generateVideo.generation.id);
  };

  it("a succeeded generation reaches the team's endpoint once, signed, carrying the generation as the API shows it", async () => {
    const team = await makeTeam(harness.db);
    const hooks = await receiver();
    const { endpoint, secret } = await addEndpoint(harness, team.teamId, { url: hooks.url, events: FINAL_EVENTS });
    hooks.secrets.push(secret);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(endpoint.secretSealed).not.toContain(secret.slice(6, 20));

    const id = await generateAs(team.key, { ...VALID_INPUT, seed: 101 });
    await harness.waitForStatus(id, ["SUCCEEDED"]);
    const [hook] = await hooks.waitFor(1);
    await webhooksIdle(harness);
    expect(hooks.received).toHaveLength(1);
    expect(hook?.verifiedWith).toEqual([0]);
    expect(hook?.headers["content-type"]).toBe("application/json");
    const api = await harness.gqlAs(team.key, `query($id: ID!) { generation(id: $id) { id status seed resultUrl videoSha256 costUsd prompt resolution } }`, { id });
    expect(hook?.payload).toMatchObject({ type: "generation.succeeded", data: { generation: api.data.generation } });
    expect(Date.parse(hook?.payload.timestamp)).not.toBeNaN();
    // Nothing of a key, a hash or a secret.
    expect(hook?.body).not.toMatch(/sgw_live_|whsec_|apiKeyId/);

    const delivery = await harness.db.webhookDelivery.findFirstOrThrow({ where: { endpointId: endpoint.id } });
    expect(hook?.id).toBe(`msg_${delivery.id}`);
    expect(delivery).toMatchObject({ status: "DELIVERED", attempts: 1, lastStatusCode: 204, eventType: "generation.succeeded", generationId: id });
    // The body sent is the body stored, byte for byte.
    expect(hook?.body).toBe(delivery.payload);
  });

  it("a receiver that fails twice then succeeds gets the same webhook-id three times, and its Retry-After is honoured", async () => {
    const team = await makeTeam(harness.db);
    const hooks = await receiver();
    const { endpoint, secret } = await addEndpoint(harness, team.teamId, { url: hooks.url, events: ["generation.failed"] });
    hooks.secrets.push(secret);
    hooks.respond({ status: 500, body: "boom" }, { status: 503, headers: { "retry-after": "1" } }, { status: 200, body: "ok" });

    const id = await generateAs(team.key, { ...VALID_INPUT, prompt: "sandbox:fail please", seed: 102 });
    await harness.waitForStatus(id, ["FAILED"]);
    const hooksSeen = await hooks.waitFor(3, 15_000);
    await webhooksIdle(harness);
    expect(hooks.received).toHaveLength(3);
    expect(new Set(hooksSeen.map((hook) => hook.id)).size).toBe(1);
    expect(new Set(hooksSeen.map((hook) => hook.body)).size).toBe(1);
    for (const hook of hooksSeen) expect(hook.verifiedWith).toEqual([0]);
    // The schedule says ~50 ms after the first failure; the 503 asked for 1 s and got it.
    const gaps = [hooksSeen[1]!.at - hooksSeen[0]!.at, hooksSeen[2]!.at - hooksSeen[1]!.at];
    expect(gaps[0]).toBeLessThan(900);
    expect(gaps[1]).toBeGreaterThanOrEqual(1_000);
    console.log(`webhook retry figures: ${JSON.stringify({ attempts: hooksSeen.length, gapsMs: gaps })}`);

    const delivery = await harness.db.webhookDelivery.findFirstOrThrow({ where: { endpointId: endpoint.id } });
    expect(delivery).toMatchObject({ status: "DELIVERED", attempts: 3, lastStatusCode: 200, lastError: null });
    // A success clears the endpoint's failure streak.
    expect((await harness.db.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } })).failingSince).toBeNull();
  });

  it("another team's endpoint never receives your events; an endpoint gets only the events it asked for", async () => {
    const [a, b] = [await makeTeam(harness.db), await makeTeam(harness.db)];
    const [hooksA, hooksB, hooksAFailedOnly] = [await receiver(), await receiver(), await receiver()];
    hooksA.secrets.push((await addEndpoint(harness, a.teamId, { url: hooksA.url, events: FINAL_EVENTS })).secret);
    hooksB.secrets.push((await addEndpoint(harness, b.teamId, { url: hooksB.url, events: FINAL_EVENTS })).secret);
    await addEndpoint(harness, a.teamId, { url: hooksAFailedOnly.url, events: ["generation.failed"] });

    const ids = [await generateAs(a.key, { ...VALID_INPUT, seed: 201 }), await generateAs(a.key, { ...VALID_INPUT, seed: 202 })];
    const idB = await generateAs(b.key, { ...VALID_INPUT, seed: 203 });
    for (const id of [...ids, idB]) await harness.waitForStatus(id, ["SUCCEEDED"]);
    await hooksA.waitFor(2);
    await hooksB.waitFor(1);
    await webhooksIdle(harness);

    const generationIds = (hooks: WebhookReceiver) => hooks.received.map((hook) => localId(hook.payload.data.generation.id)).sort();
    expect(generationIds(hooksA)).toEqual([...ids].sort());
    expect(generationIds(hooksB)).toEqual([idB]);
    expect(hooksAFailedOnly.received).toHaveLength(0);
    for (const hook of [...hooksA.received, ...hooksB.received]) expect(hook.verifiedWith).toEqual([0]);
  });

  it("a receiver that never succeeds: the delivery fails after the schedule, and a day of failures disables the endpoint, visibly", async () => {
    const slow = await startHarness(target, {
      database: harness.database,
      standIn: harness.standIn,
      // The first two attempts fail fast; only the third (a receiver that never answers, 1 s)
      // ends past disableAfterMs, with room for a loaded machine in between.
      webhooks: { retryDelaysMs: [20, 20], disableAfterMs: 800, timeoutMs: 1_000 },
    });
    try {
      const team = await makeTeam(slow.db);
      const hooks = await receiver();
      const { endpoint } = await addEndpoint(slow, team.teamId, { url: hooks.url, events: FINAL_EVENTS });
      // A 500, a redirect (not followed), a receiver that never answers: none is delivered.
      hooks.respond({ status: 500 }, { status: 307, headers: { location: `${hooks.url}/elsewhere` } }, "hang");
      const id = localId((await slow.gqlAs(team.key, `mutation($input: GenerateVideoInput!) { generateVideo(input: $input) { ... on GenerateVideoPayload { generation { id } } } }`, { input: { ...VALID_INPUT, seed: 301 } })).data.generateVideo.generation.id);
      await slow.waitForStatus(id, ["SUCCEEDED"]);
      await hooks.waitFor(3);
      await slow.gateway.services.webhooks.dispatcher.idle();
      expect(hooks.received).toHaveLength(3);
      expect(hooks.received.map((hook) => hook.path)).toEqual(["/hooks", "/hooks", "/hooks"]);
      const delivery = await slow.db.webhookDelivery.findFirstOrThrow({ where: { endpointId: endpoint.id } });
      expect(delivery).toMatchObject({ status: "FAILED", attempts: 3, lastStatusCode: null, lastError: "no answer within 1000 ms" });
      // The schedule (two retries) is used up, and the endpoint has failed for longer than disableAfterMs.
      const after = await slow.db.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id }, include: { history: true } });
      expect(after).toMatchObject({ enabled: false, disabledReason: "FAILING" });
      expect(after.history.map((event) => event.type)).toEqual(["CREATED", "DISABLED"]);
      expect(after.history[1]?.message).toContain("every delivery has failed since");
      // Audited, with no actor (the delivery worker did it), in the transaction that disabled it
      // (read as every reader of the trail reads it: once what is committed is chained).
      await sealAudit(slow.db);
      const audit = await slow.db.auditEntry.findFirstOrThrow({ where: { action: "WEBHOOK_ENDPOINT_DISABLED", subjectId: endpoint.id } });
      expect(audit).toMatchObject({ actorKeyId: null, actorTeamId: null, subjectType: "WebhookEndpoint" });
      expect(JSON.parse(audit.details)).toMatchObject({ teamId: team.teamId, lastError: "no answer within 1000 ms", deliveryId: delivery.id });
      // The team sees it through the API: why, since when, and the endpoint's history.
      const teamWebhooksKey = (await addKey(slow.db, team.teamId, {}, "webhooks")).key;
      const seen = await slow.gqlAs(teamWebhooksKey, `query($id: ID!) { webhookEndpoint(id: $id) { enabled disabledReason disabledAt failingSince history { type message } } }`, { id: endpoint.id });
      expect(seen.data.webhookEndpoint).toMatchObject({ enabled: false, disabledReason: "FAILING", disabledAt: after.disabledAt?.toISOString() });
      expect(seen.data.webhookEndpoint.history[0]).toMatchObject({ type: "DISABLED" });
      expect(seen.data.webhookEndpoint.history[0].message).toContain("every delivery has failed since");
    } finally {
      await slow.close({ keepDatabase: true, keepStandIn: true });
    }
  });

  it("during a rotation's overlap each message carries both signatures; after it, only the new one", async () => {
    const team = await makeTeam(harness.db);
    const hooks = await receiver();
    const { endpoint, secret: oldSecret } = await addEndpoint(harness, team.teamId, { url: hooks.url, events: FINAL_EVENTS });
    const { rotateSecret } = await import("../../src/webhooks/manage");
    const deps = {
      db: harness.db,
      clock: { now: () => new Date() },
      secrets: harness.gateway.services.webhooks.secrets,
      allowPrivateTargets: true,
      actor: { keyId: null, teamId: null, clientAddress: "test" },
    };
    const { secret: newSecret } = await rotateSecret(deps, "all", endpoint.id, 3_600);
    hooks.secrets.push(oldSecret, newSecret);
    const first = await generateAs(team.key, { ...VALID_INPUT, seed: 401 });
    await harness.waitForStatus(first, ["SUCCEEDED"]);
    await hooks.waitFor(1);
    expect(hooks.received[0]?.verifiedWith).toEqual([0, 1]);
    expect(hooks.received[0]?.signature.split(" ")).toHaveLength(2);

    await rotateSecret(deps, "all", endpoint.id, 0).then(({ secret }) => hooks.secrets.splice(0, 2, "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", secret));
    const second = await generateAs(team.key, { ...VALID_INPUT, seed: 402 });
    await harness.waitForStatus(second, ["SUCCEEDED"]);
    await hooks.waitFor(2);
    expect(hooks.received[1]?.verifiedWith).toEqual([1]);
    expect(hooks.received[1]?.signature.split(" ")).toHaveLength(1);
  });
});
