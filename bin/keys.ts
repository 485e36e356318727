// `npm run keys -- <command>`: manage teams and API keys on the gateway's database directly
// (DATABASE_URL, default file:./data/gateway.db); no server needs to be running.
import { userInfo } from "node:os";
import { ManageError } from "../src/auth/manage";
import { UsageError, runKeysCommand } from "../src/cli/keys";
import { systemClock } from "../src/clock";
import { ConfigError, loadConfig } from "../src/config";
import { openDatabase } from "../src/db/client";

function operatorUser(): string | null {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? null;
  }
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  let databaseUrl: string;
  try {
    databaseUrl = loadConfig().DATABASE_URL;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  const database = await openDatabase(databaseUrl);
  try {
    await runKeysCommand(
      argv,
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
  } finally {
    await database.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
