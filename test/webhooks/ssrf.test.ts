import type { LookupAddress } from "node:dns";
import { afterAll, beforeAll, expect, it } from "vitest";
import { makeTeam } from "../budget/support";
import { systemClock } from "../../src/clock";
import { InvalidInputError } from "../../src/generations/validation";
import { createEndpoint } from "../../src/webhooks/manage";
import { describeEachDatabase } from "../support/databases";
import { type Harness, VALID_INPUT, startHarness } from "../support/harness";
import { type WebhookReceiver, startWebhookReceiver } from "../support/webhook-receiver";

/**
 * Without WEBHOOK_ALLOW_PRIVATE_TARGETS, endpoint URLs follow the first-frame SSRF rules: a
 * literal inside address is refused when the endpoint is made, and a public-looking name that
 * resolves inside is refused when the webhook is sent (every resolved address is checked in
 * the connection's own lookup), so the receiver on loopback never hears from the gateway.
 */
describeEachDatabase(
  "webhooks: SSRF rules for endpoints",
  (target) => {
    let harness: Harness;
    let hooks: WebhookReceiver;
    const resolved: string[] = [];
    const toLoopback = ((hostname: string, _options: unknown, callback: (e: null, a: LookupAddress[]) => void) => {
      resolved.push(hostname);
      callback(null, [{ address: "127.0.0.1", family: 4 }]);
    }) as never;

    beforeAll(async () => {
      harness = await startHarness(target, { webhooks: { allowPrivateTargets: false, resolve: toLoopback, retryDelaysMs: [] } });
      hooks = await startWebhookReceiver();
    });
    afterAll(async () => {
      await hooks?.close();
      await harness?.close();
    });

    const deps = () => ({
      db: harness.db,
      clock: systemClock,
      secrets: harness.gateway.services.webhooks.secrets,
      allowPrivateTargets: false,
      actor: { keyId: null, teamId: null, clientAddress: "test" },
    });

    it("refuses loopback, private, metadata and internal hosts when the endpoint is made", async () => {
      const team = await makeTeam(harness.db);
      for (const url of [hooks.url, "http://10.0.0.7/hooks", "http://169.254.169.254/latest", "http://[::1]/x", "http://hooks.internal/x", "http://0x7f.1/x"]) {
        const refused = await createEndpoint(deps(), { teamId: team.teamId }, { url, events: ["generation.succeeded"] }).catch((error) => error);
        expect(refused, url).toBeInstanceOf(InvalidInputError);
        expect((refused as InvalidInputError).fields[0]?.field).toBe("url");
      }
      expect(await harness.db.webhookEndpoint.count({ where: { teamId: team.teamId } })).toBe(0);
    });

    it("refuses, at send time, a public-looking name that resolves to loopback", async () => {
      const team = await makeTeam(harness.db);
      const port = new URL(hooks.url).port;
      const { endpoint } = await createEndpoint(deps(), { teamId: team.teamId }, { url: `http://hooks.example.com:${port}/hooks`, events: ["generation.succeeded"] });
      const result = await harness.gqlAs(team.key, `mutation($input: GenerateVideoInput!) { generateVideo(input: $input) { ... on GenerateVideoPayload { generation { id } } } }`, { input: VALID_INPUT });
      expect(result.errors).toBeUndefined();
      for (const deadline = Date.now() + 10_000; ; ) {
        const delivery = await harness.db.webhookDelivery.findFirst({ where: { endpointId: endpoint.id } });
        if (delivery?.status === "FAILED") {
          expect(delivery.lastError).toMatch(/hooks\.example\.com resolves to a non-public address \(127\.0\.0\.1\)/);
          expect(delivery.lastStatusCode).toBeNull();
          break;
        }
        if (Date.now() > deadline) throw new Error(`delivery not failed: ${JSON.stringify(delivery)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(resolved).toContain("hooks.example.com");
      expect(hooks.received).toHaveLength(0);
    });
  },
  { only: ["sqlite"] },
);
