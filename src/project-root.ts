import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Files the gateway reads at run time (package.json, the committed migrations) live at fixed
 * places in the project, found from wherever this module runs: src/project-root.ts under tsx
 * and vitest, a chunk in dist/ once compiled (`npm run build`). The project is the nearest
 * directory above that holds a package.json.
 */
let root: string | undefined;

export function projectPath(...segments: string[]): string {
  if (root === undefined) {
    let dir = dirname(fileURLToPath(import.meta.url));
    while (!existsSync(join(dir, "package.json"))) {
      const parent = dirname(dir);
      if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
      dir = parent;
    }
    root = dir;
  }
  return join(root, ...segments);
}
