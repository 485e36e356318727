// `npm run audit -- verify`: verifies the audit hash chain on the gateway's database
// (DATABASE_URL, default file:./data/gateway.db); no server needs to be running.
import { runAuditCommand } from "../src/cli/audit";
import { runWithDatabase } from "../src/cli/run";

runWithDatabase(
  (database) =>
    runAuditCommand(process.argv.slice(2), database, {
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
    }),
  { configErrorExitCode: 2 },
);
