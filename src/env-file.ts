import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseEnv } from "node:util";
import { ConfigError } from "./config";

export interface Environment {
  /** The variables to configure from: the process environment over the file's. */
  env: NodeJS.ProcessEnv;
  /** The `.env` file that was read, or null when there is none. */
  file: string | null;
}

/**
 * The environment plus a `.env` file in the working directory, when there is one (Node's own
 * parser: `NAME=value` lines, `#` comments, quotes, `export`). A variable set in the process
 * environment wins over the file; an empty one counts as unset, as everywhere in the
 * configuration. The process environment itself is left untouched.
 */
export function readEnvironment(env: NodeJS.ProcessEnv = process.env, directory = process.cwd()): Environment {
  const file = resolve(directory, ".env");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { env, file: null };
    throw new ConfigError(`.env: cannot read ${file}: ${(error as Error).message}`);
  }
  const merged: NodeJS.ProcessEnv = { ...env };
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (merged[name] === undefined || merged[name]?.trim() === "") merged[name] = value;
  }
  return { env: merged, file };
}
