import { ConfigError } from "./config";
import { databaseProvider, sqliteFilePath } from "./db/provider";

/**
 * Start-up failures that come from a setting, said in terms of that setting: the variable,
 * what it points at, and what went wrong (never a password: PostgreSQL's own messages carry
 * none, and the URL is shown as host:port only).
 */

const errorCode = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
};
const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** DATABASE_URL could not be opened or migrated. */
export function databaseFailure(url: string, error: unknown): ConfigError {
  if (databaseProvider(url) === "sqlite") {
    const code = errorCode(error);
    const why = code && !errorText(error).startsWith(code) ? `${code}: ${errorText(error)}` : errorText(error);
    return new ConfigError(`DATABASE_URL: cannot create or open the SQLite file ${sqliteFilePath(url)}: ${why}`);
  }
  const parsed = new URL(url);
  const at = `PostgreSQL at ${parsed.hostname}:${parsed.port || "5432"}`;
  const database = decodeURIComponent(parsed.pathname.slice(1)) || "(default)";
  const code = errorCode(error);
  const detail = (() => {
    switch (code) {
      case "ECONNREFUSED":
        return `${at} refused the connection (is it running, on that port?)`;
      case "ENOTFOUND":
      case "EAI_AGAIN":
        return `cannot resolve the host name ${JSON.stringify(parsed.hostname)}`;
      case "ETIMEDOUT":
        return `${at} did not answer in time`;
      case "3D000":
        return `${at} has no database ${JSON.stringify(database)}; create it first (CREATE DATABASE ${database})`;
      default:
        if (code?.startsWith("28")) return `${at} refused the login: ${errorText(error)}`;
        return `${at}, database ${JSON.stringify(database)}: ${errorText(error)}`;
    }
  })();
  return new ConfigError(`DATABASE_URL: ${detail}`);
}

/** MEDIA_DIR could not be created or written. */
export function mediaDirFailure(dir: string, error: unknown): ConfigError {
  return new ConfigError(`MEDIA_DIR: cannot use ${dir} for videos: ${errorText(error)}`);
}

/** The HTTP server could not listen on HOST:PORT. */
export function listenFailure(host: string, port: number, error: unknown): ConfigError {
  switch (errorCode(error)) {
    case "EADDRINUSE":
      return new ConfigError(`PORT: ${port} is already in use on ${host} (another gateway, or another program?)`);
    case "EACCES":
      return new ConfigError(`PORT: ${port} needs privileges this process does not have on ${host}; use a port above 1023`);
    case "EADDRNOTAVAIL":
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return new ConfigError(`HOST: ${JSON.stringify(host)} is not an address of this machine (${errorText(error)})`);
    default:
      return new ConfigError(`HOST/PORT: cannot listen on ${host}:${port}: ${errorText(error)}`);
  }
}
