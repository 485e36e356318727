import { readFileSync } from "node:fs";

/** The gateway's version (package.json), recorded on every generation's manifest. */
export const GATEWAY_VERSION: string = JSON.parse(
  readFileSync(new URL("../package.json", import.meta.url), "utf8"),
).version;
