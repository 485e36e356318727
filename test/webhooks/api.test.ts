import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { addKey, makeTeam } from "../budget/support";
import { describeEachDatabase } from "../support/databases";
import { type Harness, startHarness } from "../support/harness";
import { type WebhookReceiver, startWebhookReceiver } from "../support/webhook-receiver";
import { scrape } from "../support/metrics";
import { webhooksIdle } from "./support";

/**
 * The webhooks GraphQL API, as a team's back end would use it: create an endpoint (its secret
 * shown once), ping it, read the delivery log, rotate, redeliver, disable, delete; and the
 * access rules: the `webhooks` scope, one team never seeing or touching another's endpoints or
 * deliveries, operators' endpoints for admin keys only.
 */
const ENDPOINT = "id url description events enabled disabledReason disabledAt operatorEndpoint teamId previousSecretExpiresAt history { type message at }";
const DELIVERY = "id webhookId eventType status attempts lastStatusCode lastError lastDurationMs lastAttemptAt nextAttemptAt deliveredAt payload endpoint { id } generation { id }";

const CREATE = `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) {
  __typename ... on WebhookSecretPayload { secret endpoint { ${ENDPOINT} } } ... on InvalidInputError { fields { field message } } ... on Error { code message } } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(id: $id, input: $input) {
  __typename ... on WebhookEndpointPayload { endpoint { ${ENDPOINT} } } ... on Error { code message } } }`;
const DELETE = `mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { __typename ... on WebhookEndpointPayload { endpoint { id } } ... on Error { code } } }`;
const ROTATE = `mutation($id: ID!, $overlap: Int) { rotateWebhookSecret(id: $id, overlapSeconds: $overlap) {
  __typename ... on WebhookSecretPayload { secret endpoint { ${ENDPOINT} } } ... on Error { code } } }`;
const PING = `mutation($id: ID!) { sendTestWebhook(endpointId: $id) { __typename ... on WebhookDeliveryPayload { delivery { ${DELIVERY} } } ... on Error { code message } } }`;
const REDELIVER = `mutation($id: ID!) { redeliverWebhook(id: $id) { __typename ... on WebhookDeliveryPayload { delivery { ${DELIVERY} } } ... on Error { code } } }`;
const ENDPOINTS = `{ webhookEndpoints { ${ENDPOINT} } }`;
const ENDPOINT_BY_ID = `query($id: ID!) { webhookEndpoint(id: $id) { ${ENDPOINT} } }`;
const DELIVERIES = `query($filter: WebhookDeliveryFilter, $first: Int, $after: String) { webhookDeliveries(filter: $filter, first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } edges { node { ${DELIVERY} } } } }`;

describeEachDatabase("webhooks: the GraphQL API and its access rules", (target) => {
  let harness: Harness;
  const receivers: WebhookReceiver[] = [];
  const receiver = async () => {
    const started = await startWebhookReceiver();
    receivers.push(started);
    return started;
  };

  let baseUrl: string;
  beforeAll(async () => {
    harness = await startHarness(target);
    baseUrl = await harness.listen();
  });
  afterEach(async () => {
    for (const started of receivers.splice(0)) await started.close();
  });
  afterAll(() => harness?.close());

  /** A team with a key holding the webhooks scope (and read, generate). */
  const team = () => makeTeam(harness.db, {}, {}, "generate,read,webhooks");
  const create = async (key: string, input: Record<string, unknown>) => (await harness.gqlAs(key, CREATE, { input })).data?.createWebhookEndpoint;

  it("create shows the secret once; a ping arrives signed with it; the delivery log shows the attempt", async () => {
    const a = await team();
    const hooks = await receiver();
    const created = await create(a.key, { url: hooks.url, events: ["GENERATION_SUCCEEDED", "BUDGET_THRESHOLD"], description: "our back end" });
    expect(created.__typename).toBe("WebhookSecretPayload");
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created.endpoint).toMatchObject({ url: hooks.url, events: ["GENERATION_SUCCEEDED", "BUDGET_THRESHOLD"], enabled: true, operatorEndpoint: false, teamId: a.teamId });
    expect(created.endpoint.history.map((event: { type: string }) => event.type)).toEqual(["CREATED"]);
    hooks.secrets.push(created.secret);

    // Listed, never with its secret (the type has no such field; the answer holds no whsec_).
    const listed = await harness.gqlAs(a.key, ENDPOINTS);
    expect(listed.data.webhookEndpoints.map((endpoint: { id: string }) => endpoint.id)).toEqual([created.endpoint.id]);
    expect(JSON.stringify(listed)).not.toContain("whsec_");

    const ping = await harness.gqlAs(a.key, PING, { id: created.endpoint.id });
    expect(ping.data.sendTestWebhook.__typename).toBe("WebhookDeliveryPayload");
    const [hook] = await hooks.waitFor(1);
    await webhooksIdle(harness);
    expect(hook?.verifiedWith).toEqual([0]);
    expect(hook?.payload).toMatchObject({ type: "webhook.test", data: { endpointId: created.endpoint.id } });
    expect(hook?.id).toBe(ping.data.sendTestWebhook.delivery.webhookId);

    const log = await harness.gqlAs(a.key, DELIVERIES, { filter: { endpointId: created.endpoint.id } });
    expect(log.data.webhookDeliveries.totalCount).toBe(1);
    expect(log.data.webhookDeliveries.edges[0].node).toMatchObject({
      eventType: "WEBHOOK_TEST",
      status: "DELIVERED",
      attempts: 1,
      lastStatusCode: 204,
      lastError: null,
      nextAttemptAt: null,
      endpoint: { id: created.endpoint.id },
      generation: null,
    });
    expect(log.data.webhookDeliveries.edges[0].node.lastDurationMs).toBeGreaterThanOrEqual(0);
    expect(log.data.webhookDeliveries.edges[0].node.payload).toBe(hook?.body);
  });

  it("rotateWebhookSecret: the new secret shown once, both signatures during the overlap; audited without the secret", async () => {
    const a = await team();
    const hooks = await receiver();
    const created = await create(a.key, { url: hooks.url, events: ["GENERATION_FAILED"] });
    const rotated = (await harness.gqlAs(a.key, ROTATE, { id: created.endpoint.id, overlap: 600 })).data.rotateWebhookSecret;
    expect(rotated.__typename).toBe("WebhookSecretPayload");
    expect(rotated.secret).not.toBe(created.secret);
    expect(Date.parse(rotated.endpoint.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(500_000);
    hooks.secrets.push(created.secret, rotated.secret);
    await harness.gqlAs(a.key, PING, { id: created.endpoint.id });
    const [hook] = await hooks.waitFor(1);
    expect(hook?.verifiedWith).toEqual([0, 1]);

    const tooLong = (await harness.gqlAs(a.key, ROTATE, { id: created.endpoint.id, overlap: 8 * 24 * 3_600 })).data.rotateWebhookSecret;
    expect(tooLong).toEqual({ __typename: "InvalidInputError", code: "INVALID_INPUT" });
    const audit = await harness.db.auditEntry.findMany({ where: { subjectId: created.endpoint.id }, orderBy: { sequence: "asc" } });
    expect(audit.map((entry) => entry.action)).toEqual(["WEBHOOK_ENDPOINT_CREATED", "WEBHOOK_SECRET_ROTATED"]);
    expect(audit[1]).toMatchObject({ actorKeyId: a.keyId, actorTeamId: a.teamId });
    expect(JSON.stringify(audit)).not.toContain("whsec_");
  });

  it("redeliverWebhook sends a failed delivery again with the same webhook-id; a disabled endpoint refuses pings", async () => {
    const a = await team();
    const hooks = await receiver();
    const created = await create(a.key, { url: hooks.url, events: ["GENERATION_FAILED"] });
    hooks.secrets.push(created.secret);
    // The harness's schedule: 6 attempts, ~50 ms apart; all refused.
    hooks.respond(...Array.from({ length: 6 }, () => ({ status: 500 })));
    const attempts = async (outcome: string) =>
      (await scrape(baseUrl)).value("seedance_gateway_webhook_attempts_total", { event: "webhook.test", outcome });
    const [failedBefore, deliveredBefore] = [await attempts("failed"), await attempts("delivered")];
    const ping = (await harness.gqlAs(a.key, PING, { id: created.endpoint.id })).data.sendTestWebhook.delivery;
    await hooks.waitFor(6);
    await webhooksIdle(harness);
    const failed = (await harness.gqlAs(a.key, DELIVERIES, { filter: { status: ["FAILED"], endpointId: created.endpoint.id } })).data.webhookDeliveries;
    expect(failed.edges.map((edge: any) => edge.node)).toMatchObject([{ id: ping.id, status: "FAILED", attempts: 6, lastStatusCode: 500, lastError: "HTTP 500" }]);

    const again = (await harness.gqlAs(a.key, REDELIVER, { id: ping.id })).data.redeliverWebhook;
    expect(again.__typename).toBe("WebhookDeliveryPayload");
    await hooks.waitFor(7);
    await webhooksIdle(harness);
    expect(new Set(hooks.received.map((hook) => hook.id))).toEqual(new Set([ping.webhookId]));
    expect(hooks.received[6]?.verifiedWith).toEqual([0]);
    const delivered = (await harness.gqlAs(a.key, DELIVERIES, { filter: { endpointId: created.endpoint.id } })).data.webhookDeliveries.edges[0].node;
    expect(delivered).toMatchObject({ status: "DELIVERED", attempts: 7, lastStatusCode: 204 });
    // Every attempt counted on /metrics, by event and outcome.
    expect((await attempts("failed")) - failedBefore).toBe(6);
    expect((await attempts("delivered")) - deliveredBefore).toBe(1);

    const disabled = (await harness.gqlAs(a.key, UPDATE, { id: created.endpoint.id, input: { enabled: false } })).data.updateWebhookEndpoint;
    expect(disabled.endpoint).toMatchObject({ enabled: false, disabledReason: "MANUAL" });
    expect(disabled.endpoint.history[0]).toMatchObject({ type: "DISABLED" });
    expect((await harness.gqlAs(a.key, PING, { id: created.endpoint.id })).data.sendTestWebhook).toMatchObject({ __typename: "WebhookEndpointDisabledError", code: "WEBHOOK_ENDPOINT_DISABLED" });
    expect((await harness.gqlAs(a.key, REDELIVER, { id: ping.id })).data.redeliverWebhook.__typename).toBe("WebhookEndpointDisabledError");
    const enabled = (await harness.gqlAs(a.key, UPDATE, { id: created.endpoint.id, input: { enabled: true, events: ["GENERATION_FAILED", "GENERATION_EXPIRED"] } })).data.updateWebhookEndpoint;
    expect(enabled.endpoint).toMatchObject({ enabled: true, disabledReason: null, events: ["GENERATION_FAILED", "GENERATION_EXPIRED"] });
  });

  it("team B can neither see nor touch team A's endpoints or deliveries; it answers as for ids that do not exist", async () => {
    const [a, b] = [await team(), await team()];
    const hooks = await receiver();
    const created = await create(a.key, { url: hooks.url, events: ["GENERATION_SUCCEEDED"] });
    const endpointId = created.endpoint.id;
    const ping = (await harness.gqlAs(a.key, PING, { id: endpointId })).data.sendTestWebhook.delivery;
    await hooks.waitFor(1);
    await webhooksIdle(harness);
    const before = await harness.db.webhookEndpoint.findUniqueOrThrow({ where: { id: endpointId } });
    const missing = "01900000-0000-7000-8000-000000000000";

    expect((await harness.gqlAs(b.key, ENDPOINTS)).data.webhookEndpoints).toEqual([]);
    expect((await harness.gqlAs(b.key, ENDPOINT_BY_ID, { id: endpointId })).data.webhookEndpoint).toBeNull();
    for (const filter of [{}, { endpointId }, { eventType: ["WEBHOOK_TEST"] }]) {
      const log = (await harness.gqlAs(b.key, DELIVERIES, { filter })).data.webhookDeliveries;
      expect(log).toMatchObject({ totalCount: 0, edges: [] });
    }
    for (const id of [endpointId, missing]) {
      const update = (await harness.gqlAs(b.key, UPDATE, { id, input: { url: "https://attacker.example/steal", enabled: true } })).data.updateWebhookEndpoint;
      expect(update).toEqual({ __typename: "WebhookEndpointNotFoundError", code: "WEBHOOK_ENDPOINT_NOT_FOUND", message: "No webhook endpoint with this id is visible to the caller." });
      expect((await harness.gqlAs(b.key, ROTATE, { id })).data.rotateWebhookSecret).toEqual({ __typename: "WebhookEndpointNotFoundError", code: "WEBHOOK_ENDPOINT_NOT_FOUND" });
      expect((await harness.gqlAs(b.key, DELETE, { id })).data.deleteWebhookEndpoint).toEqual({ __typename: "WebhookEndpointNotFoundError", code: "WEBHOOK_ENDPOINT_NOT_FOUND" });
      expect((await harness.gqlAs(b.key, PING, { id })).data.sendTestWebhook.__typename).toBe("WebhookEndpointNotFoundError");
    }
    for (const id of [ping.id, missing]) {
      expect((await harness.gqlAs(b.key, REDELIVER, { id })).data.redeliverWebhook).toEqual({ __typename: "WebhookDeliveryNotFoundError", code: "WEBHOOK_DELIVERY_NOT_FOUND" });
    }
    // Nothing changed, nothing was sent, nothing was audited on B's behalf.
    expect(await harness.db.webhookEndpoint.findUniqueOrThrow({ where: { id: endpointId } })).toEqual(before);
    expect(await harness.db.webhookDelivery.count({ where: { endpointId } })).toBe(1);
    expect(hooks.received).toHaveLength(1);
    expect(await harness.db.auditEntry.count({ where: { actorTeamId: b.teamId } })).toBe(0);

    // A's own key sees it all.
    expect((await harness.gqlAs(a.key, DELIVERIES, { filter: { endpointId } })).data.webhookDeliveries.totalCount).toBe(1);
  });

  it("the webhooks scope is required; operators' endpoints and credits.low are for admin keys only", async () => {
    const a = await team();
    const plain = await addKey(harness.db, a.teamId, {}, "generate,read");
    const hooks = await receiver();
    for (const [query, variables] of [
      [ENDPOINTS, {}],
      [DELIVERIES, {}],
      [CREATE, { input: { url: hooks.url, events: ["GENERATION_SUCCEEDED"] } }],
    ] as const) {
      const result = await harness.gqlAs(plain.key, query, variables);
      expect(result.errors?.[0]?.extensions?.code, query).toBe("FORBIDDEN");
    }
    expect(await harness.db.webhookEndpoint.count({ where: { teamId: a.teamId } })).toBe(0);

    const operator = await harness.gqlAs(a.key, CREATE, { input: { url: hooks.url, events: ["GENERATION_SUCCEEDED"], operator: true } });
    expect(operator.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const low = await create(a.key, { url: hooks.url, events: ["CREDITS_LOW"] });
    expect(low.__typename).toBe("InvalidInputError");
    expect(low.fields[0]).toMatchObject({ field: "events" });
    const test = await create(a.key, { url: hooks.url, events: ["WEBHOOK_TEST"] });
    expect(test.__typename).toBe("InvalidInputError");

    // An admin key: an operators' endpoint with credits.low, and every team's endpoints in view.
    const admin = await makeTeam(harness.db, {}, {}, "admin");
    const ops = await create(admin.key, { url: hooks.url, events: ["CREDITS_LOW", "BUDGET_THRESHOLD"], operator: true });
    expect(ops.endpoint).toMatchObject({ operatorEndpoint: true, teamId: null, events: ["CREDITS_LOW", "BUDGET_THRESHOLD"] });
    const teamOwn = await create(a.key, { url: hooks.url, events: ["GENERATION_SUCCEEDED"] });
    const seen = (await harness.gqlAs(admin.key, ENDPOINTS)).data.webhookEndpoints.map((endpoint: { id: string }) => endpoint.id);
    expect(seen).toEqual(expect.arrayContaining([ops.endpoint.id, teamOwn.endpoint.id]));
    // ... while the team sees only its own, not the operators'.
    expect((await harness.gqlAs(a.key, ENDPOINTS)).data.webhookEndpoints.map((endpoint: { id: string }) => endpoint.id)).toEqual([teamOwn.endpoint.id]);
    // An admin may manage a team's endpoint (audited as the admin key).
    expect((await harness.gqlAs(admin.key, DELETE, { id: teamOwn.endpoint.id })).data.deleteWebhookEndpoint.__typename).toBe("WebhookEndpointPayload");
    expect((await harness.gqlAs(a.key, ENDPOINTS)).data.webhookEndpoints).toEqual([]);
  });

  it("pages the delivery log in a fixed number of queries, whatever the page size; cursors move on", async () => {
    const a = await team();
    const hooks = await receiver();
    const endpoints = [await create(a.key, { url: hooks.url, events: ["GENERATION_SUCCEEDED"] }), await create(a.key, { url: hooks.url, events: ["GENERATION_FAILED"] })];
    for (let n = 0; n < 6; n += 1) await harness.gqlAs(a.key, PING, { id: endpoints[n % 2].endpoint.id });
    await hooks.waitFor(6);
    await webhooksIdle(harness);
    const page = async (first: number, after?: string) => {
      const from = harness.queries.length;
      const result = (await harness.gqlAs(a.key, DELIVERIES, { first, after })).data.webhookDeliveries;
      const endpointReads = harness.queries.slice(from).filter((query) => query.model === "WebhookEndpoint").length;
      return { result, endpointReads };
    };
    const small = await page(2);
    const large = await page(6);
    expect(small.endpointReads).toBe(1);
    expect(large.endpointReads).toBe(1);
    expect(large.result.totalCount).toBe(6);
    expect(large.result.edges.map((edge: any) => edge.node.endpoint.id).sort()).toEqual([...Array(3).fill(endpoints[0].endpoint.id), ...Array(3).fill(endpoints[1].endpoint.id)].sort());
    const next = await page(6, small.result.pageInfo.endCursor);
    expect(next.result.edges.map((edge: any) => edge.node.id)).toEqual(large.result.edges.slice(2).map((edge: any) => edge.node.id));
    expect(next.result.pageInfo.hasNextPage).toBe(false);
  });

  it("refuses unsafe or malformed URLs as InvalidInputError naming the field", async () => {
    const strict = await startHarness(target, { database: harness.database, standIn: harness.standIn, webhooks: { allowPrivateTargets: false } });
    try {
      const a = await makeTeam(strict.db, {}, {}, "webhooks");
      for (const url of ["http://127.0.0.1:9/x", "http://10.0.0.1/x", "ftp://example.com/x", "not a url"]) {
        const result = (await strict.gqlAs(a.key, CREATE, { input: { url, events: ["GENERATION_SUCCEEDED"] } })).data.createWebhookEndpoint;
        expect(result.__typename, url).toBe("InvalidInputError");
        expect(result.fields.map((field: { field: string }) => field.field), url).toEqual(["url"]);
      }
      const tooLong = await strict.gqlAs(a.key, CREATE, { input: { url: `https://example.com/${"a".repeat(3_000)}`, events: ["GENERATION_SUCCEEDED"] } });
      expect(tooLong.errors?.[0]?.extensions?.code).toBe("ARGUMENT_TOO_LARGE");
      expect(await strict.db.webhookEndpoint.count({ where: { teamId: a.teamId } })).toBe(0);
    } finally {
      await strict.close({ keepDatabase: true, keepStandIn: true });
    }
  });
});
