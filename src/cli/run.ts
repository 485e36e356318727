import { type Config, ConfigError, loadConfig } from "../config";
import { type OpenDatabase, openDatabase } from "../db/client";
import { readEnvironment } from "../env-file";
import { databaseFailure } from "../startup-errors";

/**
 * The frame every command-line entry shares: read DATABASE_URL through the gateway's own
 * configuration (environment, then ./.env), open (and so migrate) the database, run, close, and turn the outcome into
 * an exit code. No server needs to be running.
 */
export function runWithDatabase(
  run: (database: OpenDatabase, config: Config) => Promise<number>,
  options: { configErrorExitCode: number },
): void {
  const main = async (): Promise<number> => {
    let config: Config;
    try {
      config = loadConfig(readEnvironment().env);
    } catch (error) {
      if (error instanceof ConfigError) {
        process.stderr.write(`${error.message}\n`);
        return options.configErrorExitCode;
      }
      throw error;
    }
    const databaseUrl = config.DATABASE_URL;
    const database = await openDatabase(databaseUrl).catch((error: unknown) => {
      throw databaseFailure(databaseUrl, error);
    });
    try {
      return await run(database, config);
    } finally {
      await database.close();
    }
  };
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
