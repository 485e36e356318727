// Builds the studio (studio/src) into studio/assets, which are committed and served by the
// gateway at /studio (src/http/studio.ts): `npm install && npm start` needs no build step.
// `--check` builds in memory and fails when the committed assets differ (CI runs the same
// comparison in test/studio/build.test.ts).
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { type BuildOptions, build } from "esbuild";

const root = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));

export const STUDIO_ASSETS = ["index.html", "studio.js", "studio.css"] as const;
export type StudioAsset = (typeof STUDIO_ASSETS)[number];

/** The studio's files, built from source, as they would be written to studio/assets. */
export async function buildStudio(): Promise<Record<StudioAsset, Buffer>> {
  const common: BuildOptions & { write: false } = {
    bundle: true,
    minify: true,
    write: false,
    logLevel: "silent",
    legalComments: "eof",
    // What the browsers we test and support run; no polyfills are injected.
    target: ["chrome110", "firefox110", "safari16"],
  };
  const [js, css] = await Promise.all([
    build({
      ...common,
      entryPoints: [root("studio/src/main.tsx")],
      outfile: "studio.js",
      format: "esm",
      jsx: "automatic",
      jsxImportSource: "preact",
      tsconfig: root("studio/tsconfig.json"),
    }),
    build({ ...common, entryPoints: [root("studio/src/studio.css")], outfile: "studio.css" }),
  ]);
  return {
    "index.html": readFileSync(root("studio/src/index.html")),
    "studio.js": Buffer.from(only(js.outputFiles).contents),
    "studio.css": Buffer.from(only(css.outputFiles).contents),
  };
}

function only<T>(files: T[] | undefined): T {
  if (files?.length !== 1) throw new Error(`expected one output file, got ${files?.length ?? 0}`);
  return files[0] as T;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const check = process.argv.includes("--check");
  const built = await buildStudio();
  let stale = false;
  for (const name of STUDIO_ASSETS) {
    const target = root(`studio/assets/${name}`);
    const bytes = built[name];
    if (check) {
      let committed: Buffer | null = null;
      try {
        committed = readFileSync(target);
      } catch {}
      if (!committed?.equals(bytes)) {
        stale = true;
        console.error(`studio/assets/${name} is stale: run npm run studio:build`);
      }
    } else {
      writeFileSync(target, bytes);
    }
    console.log(`${name}: ${bytes.length} bytes, ${gzipSync(bytes).length} gzipped`);
  }
  if (stale) process.exit(1);
}
