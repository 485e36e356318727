import { afterAll, beforeAll, expect, it } from "vitest";
import { authenticate } from "../../src/auth/authenticate";
import { ApiKeyCache } from "../../src/auth/key-cache";
import { revokeKey } from "../../src/auth/manage";
import type { Clock } from "../../src/clock";
import { type OpenDatabase, type QueryEvent, openDatabase } from "../../src/db/client";
import { type FreshDatabase, describeEachDatabase } from "../support/databases";
import { type SeededTeam, manageDeps, seedTeam } from "../support/teams";

/**
 * AUTH_KEY_CACHE_TTL_MS: a verified key is trusted for the TTL without reading its row again,
 * and a key revoked by another process is refused once the TTL has passed (the bound
 * .env.example documents). Time is an injected clock: nothing here waits.
 */
describeEachDatabase("API key cache", (target) => {
  let database: FreshDatabase;
  let opened: OpenDatabase;
  let team: SeededTeam;
  const queries: QueryEvent[] = [];
  let nowMs = Date.parse("2026-11-29T08:00:00.000Z");
  const clock: Clock = { now: () => new Date(nowMs) };

  beforeAll(async () => {
    database = await target.createDatabase();
    opened = await openDatabase(database.url, { onQuery: (query) => queries.push(query) });
    team = await seedTeam(opened.db, "cache", { app: "generate,read", other: "read" });
  });
  afterAll(async () => {
    await opened?.close();
    await database?.drop();
  });

  const request = (key: string) => new Request("http://gateway.test/graphql", { headers: { authorization: `Bearer ${key}` } });
  const keyReads = () => queries.filter((query) => query.model === "ApiKey" && query.operation === "findUnique").length;

  it("reads a key's row once per TTL, and refuses a key revoked elsewhere once the TTL has passed", async () => {
    const cache = new ApiKeyCache(2_000);
    const options = { db: opened.db, clock, allowAnonymous: false, cache };
    const key = team.keys.app as string;
    const before = keyReads();
    const first = await authenticate(request(key), "127.0.0.1", options);
    expect(first).toMatchObject({ kind: "key", teamId: team.id, keyPrefix: team.prefixes.app });
    for (let i = 0; i < 5; i++) {
      nowMs += 300;
      expect(await authenticate(request(key), "127.0.0.1", options)).toMatchObject({ kind: "key", keyId: first.kind === "key" ? first.keyId : "" });
    }
    expect(keyReads() - before).toBe(1);

    // Revoked by another process (the keys CLI): this process has not heard of it.
    await revokeKey(manageDeps(opened.db), team.prefixes.app as string);
    nowMs += 300; // 1,800 ms after the read: still trusted, within the documented bound
    await expect(authenticate(request(key), "127.0.0.1", options)).resolves.toMatchObject({ kind: "key" });
    nowMs += 200; // 2,000 ms: read again, refused
    await expect(authenticate(request(key), "127.0.0.1", options)).rejects.toMatchObject({ extensions: { code: "UNAUTHENTICATED" } });
    await expect(authenticate(request(key), "127.0.0.1", options)).rejects.toMatchObject({ extensions: { code: "UNAUTHENTICATED" } });
  });

  it("never trusts a key it has not verified: a wrong secret with a cached key's prefix is read and refused", async () => {
    const cache = new ApiKeyCache(60_000);
    const options = { db: opened.db, clock, allowAnonymous: false, cache };
    const key = team.keys.other as string;
    await authenticate(request(key), null, options);
    const wrong = `${key.slice(0, -4)}AAAA`;
    const before = keyReads();
    await expect(authenticate(request(wrong), null, options)).rejects.toMatchObject({ extensions: { code: "UNAUTHENTICATED" } });
    expect(keyReads() - before).toBe(1);
  });

  it("a burst of requests with one key (or after its entry expired) shares one read of its row", async () => {
    const cache = new ApiKeyCache(2_000);
    const options = { db: opened.db, clock, allowAnonymous: false, cache };
    const key = team.keys.other as string;
    for (const _round of [1, 2]) {
      const before = keyReads();
      const principals = await Promise.all(Array.from({ length: 20 }, () => authenticate(request(key), null, options)));
      expect(principals.every((principal) => principal.kind === "key")).toBe(true);
      expect(keyReads() - before).toBe(1);
      nowMs += 2_000;
    }
  });

  it("with a TTL of 0 reads the row on every request", async () => {
    const options = { db: opened.db, clock, allowAnonymous: false, cache: new ApiKeyCache(0) };
    const before = keyReads();
    for (let i = 0; i < 3; i++) await authenticate(request(team.keys.other as string), null, options);
    expect(keyReads() - before).toBe(3);
  });
});
