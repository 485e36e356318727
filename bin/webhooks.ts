// `npm run webhooks -- <command>`: webhook endpoints and deliveries on the gateway's database
// directly (DATABASE_URL, default file:./data/gateway.db); no server needs to be running.
import { userInfo } from "node:os";
import { UsageError } from "../src/cli/keys";
import { runWithDatabase } from "../src/cli/run";
import { WebhookCliError, runWebhooksCommand } from "../src/cli/webhooks";
import { systemClock } from "../src/clock";
import { SecretBox, secretKeyLoader } from "../src/webhooks/secrets";

function operatorUser(): string | null {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? null;
  }
}

runWithDatabase(
  async (database, config) => {
    try {
      await runWebhooksCommand(
        process.argv.slice(2),
        {
          db: database.db,
          clock: systemClock,
          // The gateway's own sealing key, so the secrets made here open there.
          secrets: new SecretBox(secretKeyLoader({ key: config.WEBHOOK_SECRET_KEY, file: config.WEBHOOK_SECRET_KEY_FILE })),
          allowPrivateTargets: config.WEBHOOK_ALLOW_PRIVATE_TARGETS ?? false,
          operator: { clientAddress: "cli", user: operatorUser() },
        },
        { out: (line) => process.stdout.write(`${line}\n`) },
      );
      return 0;
    } catch (error) {
      if (error instanceof WebhookCliError || error instanceof UsageError) {
        process.stderr.write(`error: ${error.message}\n`);
        return 1;
      }
      throw error;
    }
  },
  { configErrorExitCode: 1 },
);
