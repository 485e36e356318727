import { randomBytes } from "node:crypto";
import { afterAll, expect, it } from "vitest";
import { describe } from "vitest";
import { systemClock } from "../../src/clock";
import { openDatabase } from "../../src/db/client";
import { type SegmindStandIn, startSegmindStandIn } from "../../src/sandbox/standin";
import { createEndpoint } from "../../src/webhooks/manage";
import { SecretBox, parseSecretKey } from "../../src/webhooks/secrets";
import { queryDatabase } from "../support/databases";
import {
  GENERATE_VIDEO,
  type GatewayDirs,
  QUICK_START_INPUT,
  makeGatewayDirs,
  postGraphQL,
  startGateway,
  stopAllGateways,
} from "../support/process";
import { type WebhookReceiver, startWebhookReceiver } from "../support/webhook-receiver";

/**
 * The outbox survives SIGKILL: a generation succeeds, its webhook's first attempt is on the
 * wire (the receiver holds it without answering), and the gateway process is killed. The
 * delivery row, written in the same transaction as SUCCEEDED, is still PENDING; the restarted
 * process's reconciler sends it, with the same webhook-id, signed with the same secret.
 */
const API_KEY = "SG_feedfacecafebeef";
const SECRET_KEY = randomBytes(32).toString("base64");

let standIn: SegmindStandIn | undefined;
let dirs: GatewayDirs | undefined;
let hooks: WebhookReceiver | undefined;
afterAll(async () => {
  await stopAllGateways();
  await standIn?.close();
  await hooks?.close();
  dirs?.remove();
});

describe("SIGKILL after a generation succeeded, before its webhook was acknowledged", () => {
  it("the restarted gateway delivers it, same webhook-id, from the outbox row", async () => {
    standIn = await startSegmindStandIn({ apiKey: API_KEY, jobDurationMs: 300 });
    dirs = makeGatewayDirs();
    hooks = await startWebhookReceiver();
    const env = {
      DATABASE_URL: dirs.databaseUrl,
      MEDIA_DIR: dirs.mediaDir,
      SEGMIND_API_KEY: API_KEY,
      SEGMIND_BASE_URL: standIn.url,
      ALLOW_ANONYMOUS: "true",
      SEGMIND_POLL_INTERVAL_MS: "100",
      SEGMIND_MAX_RPM: "0",
      WEBHOOK_SECRET_KEY: SECRET_KEY,
      WEBHOOK_ALLOW_PRIVATE_TARGETS: "true",
    };
    // An operators' endpoint (the generation is anonymous), made as the CLI would, with the
    // key the gateway processes are given.
    const database = await openDatabase(dirs.databaseUrl);
    const { endpoint, secret } = await createEndpoint(
      {
        db: database.db,
        clock: systemClock,
        secrets: new SecretBox(() => parseSecretKey(SECRET_KEY) as Buffer),
        allowPrivateTargets: true,
        actor: { keyId: null, teamId: null, clientAddress: "cli" },
      },
      { teamId: null },
      { url: hooks.url, events: ["generation.succeeded"] },
    );
    await database.close();
    hooks.secrets.push(secret);
    hooks.respond("hang");

    const first = await startGateway(env);
    const created = await postGraphQL(first.url, GENERATE_VIDEO, { input: QUICK_START_INPUT });
    expect(created.data.generateVideo.__typename).toBe("GenerateVideoPayload");
    const [held] = await hooks.waitFor(1, 20_000);
    first.signal("SIGKILL");
    expect(await first.exited).toEqual({ code: null, signal: "SIGKILL" });

    const sqlite = { provider: "sqlite" as const, url: dirs.databaseUrl };
    const [generation] = await queryDatabase(sqlite, 'SELECT status FROM "Generation"');
    expect(generation?.status).toBe("SUCCEEDED");
    const [pending] = await queryDatabase(sqlite, 'SELECT id, status, attempts FROM "WebhookDelivery" WHERE endpointId = ?', [endpoint.id]);
    expect(pending).toMatchObject({ status: "PENDING", attempts: 0 });

    const restartedAt = Date.now();
    const second = await startGateway(env);
    const readyAfterMs = Date.now() - restartedAt;
    const [, redelivered] = await hooks.waitFor(2, 20_000);
    const deliveredAfterMs = (redelivered?.at ?? 0) - restartedAt;
    expect(redelivered?.id).toBe(held?.id);
    expect(redelivered?.id).toBe(`msg_${pending?.id}`);
    expect(redelivered?.body).toBe(held?.body);
    expect(held?.verifiedWith).toEqual([0]);
    expect(redelivered?.verifiedWith).toEqual([0]);
    expect(redelivered?.payload.type).toBe("generation.succeeded");
    for (const deadline = Date.now() + 5_000; ; ) {
      const [row] = await queryDatabase(sqlite, 'SELECT status, attempts FROM "WebhookDelivery" WHERE id = ?', [pending?.id]);
      if (row?.status === "DELIVERED") {
        expect(Number(row.attempts)).toBe(1);
        break;
      }
      if (Date.now() > deadline) throw new Error(`delivery still ${JSON.stringify(row)}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect((await second.stop()).code).toBe(0);
    expect(hooks.received).toHaveLength(2);
    console.log(`webhook kill-restart figures: ${JSON.stringify({ requestsSeen: hooks.received.length, readyAfterRestartMs: readyAfterMs, deliveredAfterRestartMs: deliveredAfterMs })}`);
  }, 90_000);
});
