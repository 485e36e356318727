// `npm run audit -- verify`: verifies the audit hash chain on the gateway's database
// (DATABASE_URL, default file:./data/gateway.db); no server needs to be running.
import { runAuditCommand } from "../src/cli/audit";
import { ConfigError, loadConfig } from "../src/config";
import { openDatabase } from "../src/db/client";

async function main(): Promise<number> {
  let databaseUrl: string;
  try {
    databaseUrl = loadConfig().DATABASE_URL;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const database = await openDatabase(databaseUrl);
  try {
    return await runAuditCommand(process.argv.slice(2), database, {
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
    });
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
