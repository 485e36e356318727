import { readFileSync } from "node:fs";
import semver from "semver";
import { describe, expect, it } from "vitest";

/**
 * The Node versions the gateway declares (package.json `engines`) must be ones every installed
 * package accepts: `npm ci` on Node 20 then prints no EBADENGINE warning, and nothing we ship
 * was built for a newer Node than we claim to run on. When a dependency's update drops
 * Node 20, this fails, naming it: pin it (package.json `overrides`) or raise our engines.
 */
const root = new URL("../../", import.meta.url);
const pkg = JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(new URL("package-lock.json", root), "utf8")) as {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[]; dev?: boolean; optional?: boolean }>;
};

describe("Node engines", () => {
  const lowest = semver.minVersion(pkg.engines.node)?.version as string;

  it("this process runs a Node the project declares", () => {
    expect(semver.satisfies(process.version, pkg.engines.node), `${process.version} vs ${pkg.engines.node}`).toBe(true);
  });

  it(`every locked package accepts the lowest declared Node (${lowest}) and this one (${process.version})`, () => {
    const refusing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      if (!path || !range) continue;
      for (const version of [lowest, process.version]) {
        if (!semver.satisfies(version, range, { includePrerelease: true })) {
          refusing.push(`${path.replace(/^.*node_modules\//, "")}@${entry.version} requires node ${range} (not ${version})`);
        }
      }
    }
    expect(refusing).toEqual([]);
  });
});
