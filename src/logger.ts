/**
 * A small structured logger: one JSON line per entry on stderr. Callers pass facts, never
 * secrets; `redact` is the last line of defence for the few strings known to be secret.
 */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export function createLogger(options: {
  level: LogLevel;
  secrets?: string[];
  write?: (line: string) => void;
}): Logger {
  const threshold = ORDER[options.level];
  const secrets = (options.secrets ?? []).filter((secret) => secret.length > 0);
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const redact = (text: string) =>
    secrets.reduce((result, secret) => result.split(secret).join("[redacted]"), text);

  const log = (level: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < threshold) return;
    const entry = { time: new Date().toISOString(), level, message, ...fields };
    write(redact(JSON.stringify(entry, errorReplacer)));
  };
  return {
    debug: (message, fields) => log("debug", message, fields),
    info: (message, fields) => log("info", message, fields),
    warn: (message, fields) => log("warn", message, fields),
    error: (message, fields) => log("error", message, fields),
  };
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    return { name: value.name, message: value.message, stack: value.stack };
  }
  return value;
}

export const silentLogger: Logger = createLogger({ level: "silent" });
