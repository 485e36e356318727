import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONFIG_VARIABLES } from "../../src/config";
import { databaseTargets } from "../support/databases";
import { type Harness, VALID_INPUT, localId, startHarness } from "../support/harness";
import { type GatewayDirs, makeGatewayDirs } from "../support/process";
import { seedTeam } from "../support/teams";
import { type WebhookReceiver, startWebhookReceiver } from "../support/webhook-receiver";

/**
 * `npm run webhooks` as an operator runs it: a child process on the gateway's SQLite file with
 * the gateway's WEBHOOK_SECRET_KEY. The secret it prints verifies what the gateway (in-process,
 * on the same file and key) then sends; disable, enable, redeliver, rotate, delete take effect.
 */
const REPO_ROOT = resolve(import.meta.dirname, "../..");
const SECRET_KEY = randomBytes(32).toString("base64");
const SECRET_PATTERN = /whsec_[A-Za-z0-9+/]{43}=/g;

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(databaseUrl: string, args: string[]): Promise<CliResult> {
  const env = { ...process.env };
  for (const name of CONFIG_VARIABLES) delete env[name];
  const child = spawn(process.execPath, ["--import", "tsx", "bin/webhooks.ts", ...args], {
    cwd: REPO_ROOT,
    env: { ...env, DATABASE_URL: databaseUrl, WEBHOOK_SECRET_KEY: SECRET_KEY, WEBHOOK_ALLOW_PRIVATE_TARGETS: "true" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  return new Promise((done) => child.once("close", (code) => done({ code, stdout, stderr })));
}

const target = databaseTargets().find((candidate) => candidate.provider === "sqlite") as ReturnType<typeof databaseTargets>[number];

describe("webhooks CLI, end to end", () => {
  let dirs: GatewayDirs;
  let harness: Harness;
  let hooks: WebhookReceiver;
  const cli = (...args: string[]) => runCli(dirs.databaseUrl, args);

  beforeAll(async () => {
    dirs = makeGatewayDirs();
    hooks = await startWebhookReceiver();
    harness = await startHarness(target, {
      database: { provider: "sqlite", url: dirs.databaseUrl, drop: async () => {} },
      webhooks: { secretKey: () => Buffer.from(SECRET_KEY, "base64") },
    });
  });
  afterAll(async () => {
    await hooks?.close();
    await harness?.close({ keepDatabase: true });
    dirs?.remove();
  });

  it("creates an endpoint whose printed secret verifies the gateway's webhooks; lists, disables, redelivers, rotates, deletes", async () => {
    const team = await seedTeam(harness.db, "acme", { app: "generate,read" });
    const created = await cli("endpoint", "create", "--team", "acme", "--url", hooks.url, "--events", "generation.succeeded", "--description", "acme back end");
    expect(created.code, created.stderr).toBe(0);
    const secrets = created.stdout.match(SECRET_PATTERN) ?? [];
    expect(secrets).toHaveLength(1);
    hooks.secrets.push(secrets[0] as string);
    const endpointId = /endpoint ([0-9a-f-]{36})/.exec(created.stdout)?.[1] as string;
    expect(endpointId).toBeDefined();

    // The gateway signs with the secret the CLI sealed.
    const generated = await harness.gqlAs(team.keys.app as string, `mutation($input: GenerateVideoInput!) { generateVideo(input: $input) { ... on GenerateVideoPayload { generation { id } } } }`, { input: VALID_INPUT });
    const generationId = localId(generated.data.generateVideo.generation.id);
    await harness.waitForStatus(generationId, ["SUCCEEDED"]);
    const [hook] = await hooks.waitFor(1);
    expect(hook?.verifiedWith).toEqual([0]);

    const listed = await cli("endpoint", "list");
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`${endpointId}\\s+acme\\s+${hooks.url.replace(/[/.]/g, "\\$&")}\\s+generation.succeeded\\s+enabled`));
    expect(listed.stdout).not.toMatch(SECRET_PATTERN);
    await harness.gateway.services.webhooks.dispatcher.idle();
    const deliveries = JSON.parse((await cli("delivery", "list", "--endpoint", endpointId, "--json")).stdout);
    expect(deliveries).toMatchObject([{ eventType: "generation.succeeded", status: "DELIVERED", attempts: 1, lastStatusCode: 204, generationId }]);
    const deliveryId = deliveries[0].id as string;

    // Disabled: a redelivery is refused (exit 1, said plainly); enabled again, it is due at once.
    expect((await cli("endpoint", "disable", endpointId)).stdout).toContain("is disabled");
    const refused = await cli("delivery", "redeliver", deliveryId);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`npm run webhooks -- endpoint enable ${endpointId}`);
    expect((await cli("endpoint", "enable", endpointId)).code).toBe(0);
    const again = await cli("delivery", "redeliver", deliveryId, "--json");
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ id: deliveryId, status: "PENDING" });
    const shown = await cli("endpoint", "show", endpointId);
    expect(shown.stdout).toMatch(/ENABLED[\s\S]*DISABLED[\s\S]*CREATED/);

    const rotated = await cli("endpoint", "rotate", endpointId, "--overlap-seconds", "60");
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout.match(SECRET_PATTERN)).toHaveLength(1);
    expect(rotated.stdout).toContain("The previous secret signs too");

    // The operator's changes are audited with the OS user, never with a secret.
    const audit = await harness.db.auditEntry.findMany({ where: { subjectId: endpointId }, orderBy: { sequence: "asc" } });
    expect(audit.map((entry) => entry.action)).toEqual([
      "WEBHOOK_ENDPOINT_CREATED",
      "WEBHOOK_ENDPOINT_UPDATED",
      "WEBHOOK_ENDPOINT_UPDATED",
      "WEBHOOK_SECRET_ROTATED",
    ]);
    expect(audit[0]).toMatchObject({ clientAddress: "cli", actorKeyId: null });
    expect(JSON.stringify(audit)).not.toMatch(SECRET_PATTERN);

    expect((await cli("endpoint", "delete", endpointId)).code).toBe(0);
    expect((await cli("endpoint", "list")).stdout).toContain("No webhook endpoints");

    // Mistakes: exit 1, nothing changed.
    const unknownTeam = await cli("endpoint", "create", "--team", "nobody", "--url", hooks.url, "--events", "generation.succeeded");
    expect(unknownTeam).toMatchObject({ code: 1 });
    expect(unknownTeam.stderr).toContain('No team named "nobody"');
    const teamLow = await cli("endpoint", "create", "--team", "acme", "--url", hooks.url, "--events", "credits.low");
    expect(teamLow.code).toBe(1);
    expect(teamLow.stderr).toContain("--events: credits.low: for operators' endpoints only");
    const operator = await cli("endpoint", "create", "--operator", "--url", hooks.url, "--events", "credits.low,budget.threshold", "--json");
    expect(operator.code, operator.stderr).toBe(0);
    expect(JSON.parse(operator.stdout).endpoint).toMatchObject({ teamId: null, operatorEndpoint: true, events: ["credits.low", "budget.threshold"] });
    // Fourteen child processes, each loading tsx: well past the default timeout on a loaded machine.
  }, 180_000);
});
