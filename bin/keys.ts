// `npm run keys -- <command>`: manage teams and API keys on the gateway's database directly
// (DATABASE_URL, default file:./data/gateway.db); no server needs to be running.
import { userInfo } from "node:os";
import { ManageError } from "../src/auth/manage";
import { UsageError, runKeysCommand } from "../src/cli/keys";
import { runWithDatabase } from "../src/cli/run";
import { systemClock } from "../src/clock";

function operatorUser(): string | null {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? null;
  }
}

runWithDatabase(
  async (database) => {
    try {
      await runKeysCommand(
        process.argv.slice(2),
        { db: database.db, clock: systemClock, operator: { clientAddress: "cli", user: operatorUser() } },
        { out: (line) => process.stdout.write(`${line}\n`) },
      );
      return 0;
    } catch (error) {
      if (error instanceof ManageError || error instanceof UsageError) {
        process.stderr.write(`error: ${error.message}\n`);
        return 1;
      }
      throw error;
    }
  },
  { configErrorExitCode: 1 },
);
