import { readFileSync } from "node:fs";
import { projectPath } from "./project-root";

/** The gateway's version (package.json), recorded on every generation's manifest. */
export const GATEWAY_VERSION: string = JSON.parse(
  readFileSync(projectPath("package.json"), "utf8"),
).version;
