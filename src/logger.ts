import { pino } from "pino";

/**
 * The gateway's structured log: one JSON line per entry on stderr, written by pino. Callers
 * pass facts, never secrets; the scrubbing of the few strings known to be secret (the Segmind
 * key) is the last line of defence, applied to every finished line.
 *
 * A line: {"level":"info","time":"2026-11-29T00:00:00.000Z","message":"...", ...fields}.
 * Errors anywhere in the fields are written with their name, message, code and stack.
 */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface LoggerOptions {
  level: LogLevel;
  /** Strings replaced by "[redacted]" wherever they appear in a line. */
  secrets?: string[];
  /** Where each line goes (without its newline); default stderr, written synchronously. */
  write?: (line: string) => void;
}

export function createLogger(options: LoggerOptions): Logger {
  const secrets = (options.secrets ?? []).filter((secret) => secret.length > 0);
  const redact = (text: string) => secrets.reduce((result, secret) => result.split(secret).join("[redacted]"), text);
  const { write } = options;
  // Synchronous on stderr: the last lines before an exit (a failed start, a stop) are kept.
  // (An asynchronous destination measured no cheaper: 6.1 against 5.3 µs of CPU per line.)
  const destination = write
    ? { write: (chunk: string) => write(chunk.endsWith("\n") ? chunk.slice(0, -1) : chunk) }
    : options.level === "silent"
      ? { write: () => undefined }
      : pino.destination({ dest: 2, sync: true });
  const log = pino(
    {
      level: options.level,
      base: undefined,
      messageKey: "message",
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (fields) => withErrorsSpelledOut(fields) as Record<string, unknown>,
      },
      hooks: { streamWrite: redact },
    },
    destination,
  );
  return {
    debug: (message, fields) => log.debug(fields ?? {}, message),
    info: (message, fields) => log.info(fields ?? {}, message),
    warn: (message, fields) => log.warn(fields ?? {}, message),
    error: (message, fields) => log.error(fields ?? {}, message),
  };
}

/** JSON would write an Error as `{}`: spell out every one found in the fields (a few levels deep). */
function withErrorsSpelledOut(value: unknown, depth = 0): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return {
      name: value.name,
      message: value.message,
      ...(code === undefined ? {} : { code }),
      stack: value.stack,
      ...(value.cause === undefined || depth > 4 ? {} : { cause: withErrorsSpelledOut(value.cause, depth + 1) }),
    };
  }
  if (depth > 4 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.some(holdsObject) ? value.map((item) => withErrorsSpelledOut(item, depth + 1)) : value;
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  // Most lines (every access-log line) are flat facts: nothing to spell out, nothing to copy.
  if (!Object.values(value).some(holdsObject)) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withErrorsSpelledOut(item, depth + 1)]));
}

function holdsObject(value: unknown): boolean {
  return value !== null && typeof value === "object";
}

export const silentLogger: Logger = createLogger({ level: "silent" });
