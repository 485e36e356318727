// `npm run build`: the gateway as plain JavaScript in dist/, run with `node dist/server.js`
// (and the CLIs with `node dist/keys.js`, `node dist/audit.js`): no TypeScript tooling at run
// time. esbuild bundles our code (src/, and the Prisma clients generated as TypeScript into
// src/generated/) together with the pure-JavaScript packages it uses: loading one bundle
// instead of hundreds of CommonJS files from node_modules halves the start-up CPU time. The
// packages in EXTERNAL stay imports resolved from node_modules at run time: native code
// (libsql), files read next to their own modules (bullmq's Lua scripts, pino's workers), the
// AWS SDK (loaded only with MEDIA_STORE=s3), OpenTelemetry (one copy: its API is a global
// registry), ioredis (bullmq's own import must get the same copy) and undici (the paid calls'
// dispatcher for Node's own fetch: bundled, its requests failed as dropped connections). GraphiQL's 9 MB
// renderer and each Prisma provider's query compiler are chunks loaded when first needed.
// The sandbox's video fixtures are copied next to the chunks; package.json and the committed
// migrations are read from the project (src/project-root.ts), so dist/ stays inside it.
import { cpSync, rmSync, writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { type Plugin, build } from "esbuild";

const EXTERNAL = ["libsql", "@libsql/*", "pino", "bullmq", "ioredis", "@aws-sdk/*", "@opentelemetry/*", "pg-native", "undici"];

/**
 * graphql's instanceOf, unless NODE_ENV=production, looks into every instanceof that fails
 * (most of the type checks execution makes) to warn about two copies of graphql; that was
 * 3.5% of the CPU of serving a page. The bundle holds one copy (one module of each), so the
 * compiled build uses the production check, whatever NODE_ENV the operator sets.
 */
const graphqlProductionInstanceOf: Plugin = {
  name: "graphql-production-instanceof",
  setup(esbuild) {
    esbuild.onLoad({ filter: /[\\/]graphql[\\/]jsutils[\\/]instanceOf\.m?js$/ }, () => ({
      contents: "export const instanceOf = (value, constructor) => value instanceof constructor;",
      loader: "js",
    }));
  },
};

const started = performance.now();
const outdir = "dist";
rmSync(outdir, { recursive: true, force: true });
const result = await build({
  entryPoints: { server: "src/server.ts", keys: "bin/keys.ts", audit: "bin/audit.ts", webhooks: "bin/webhooks.ts" },
  outdir,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // ES module builds first (esbuild's default for node is CommonJS first): graphql's CommonJS
  // build, bundled, reaches every function through an interop getter, which was 4% of the CPU
  // of serving a page. Packages with an "exports" map resolve by its conditions either way.
  mainFields: ["module", "main"],
  external: EXTERNAL,
  plugins: [graphqlProductionInstanceOf],
  // Bundled CommonJS packages call require() for Node's built-ins; an ES module has none.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  // Shared code in chunks beside the entries (one directory: relative asset URLs hold), and
  // the Prisma client of the provider not in use is never loaded.
  splitting: true,
  chunkNames: "chunk-[hash]",
  sourcemap: "linked",
  sourcesContent: false,
  metafile: true,
  logLevel: "warning",
});
cpSync("src/sandbox/fixtures", `${outdir}/fixtures`, { recursive: true });
// What each output imports at run time (test/server/compiled.test.ts checks it is no TypeScript).
writeFileSync(`${outdir}/metafile.json`, JSON.stringify(result.metafile));
const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
const files = Object.keys(result.metafile.outputs).filter((file) => file.endsWith(".js")).length;
process.stdout.write(
  `built ${outdir}/ (server.js, keys.js, audit.js, webhooks.js; ${files} files, ${(bytes / 1e6).toFixed(1)} MB with source maps) in ${Math.round(performance.now() - started)} ms\n`,
);
