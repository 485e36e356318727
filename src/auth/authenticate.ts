import type { Clock } from "../clock";
import type { Db } from "../db/client";
import { hashApiKey, keyMatches, keyPrefix } from "./api-keys";
import type { ApiKeyCache, CachedKey } from "./key-cache";
import { type Principal, anonymousPrincipal, parseScopes, unauthenticated } from "./principal";

export interface AuthenticateOptions {
  db: Db;
  clock: Clock;
  /** Requests without an Authorization header act as the anonymous principal. */
  allowAnonymous: boolean;
  /** Keys verified recently (key-cache.ts); without it every request reads its key's row. */
  cache?: ApiKeyCache;
}

/** lastUsedAt is bookkeeping, not audit: refresh it at most this often per key. */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Turns `Authorization: Bearer <key>` into a Principal. Missing (when anonymous use is not
 * allowed), malformed, unknown and revoked keys all fail the same way.
 */
export async function authenticate(
  request: Request,
  clientAddress: string | null,
  options: AuthenticateOptions,
): Promise<Principal> {
  const header = request.headers.get("authorization");
  if (header === null) {
    if (options.allowAnonymous) return anonymousPrincipal(clientAddress);
    throw unauthenticated();
  }
  // The scheme is case-insensitive (RFC 9110); the key is exactly one token after it.
  const match = /^Bearer ([^\s]+)$/i.exec(header.trim());
  const key = match?.[1] ?? "";
  const prefix = keyPrefix(key);
  if (!prefix) throw unauthenticated();

  const now = options.clock.now();
  const read = async (): Promise<CachedKey | null> => {
    const row = await options.db.apiKey.findUnique({ where: { prefix } });
    if (!row || row.revokedAt !== null || !keyMatches(key, row.hash)) return null;
    return { id: row.id, prefix: row.prefix, teamId: row.teamId, scopes: row.scopes, lastUsedAt: row.lastUsedAt };
  };
  const stored = await (options.cache ? options.cache.resolve(hashApiKey(key), now.getTime(), read) : read());
  if (!stored) throw unauthenticated();

  if (!stored.lastUsedAt || now.getTime() - stored.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    // Noted before the write, so requests of a burst do not each write it.
    stored.lastUsedAt = now;
    await options.db.apiKey.update({ where: { id: stored.id }, data: { lastUsedAt: now } });
  }
  return {
    kind: "key",
    keyId: stored.id,
    keyPrefix: stored.prefix,
    teamId: stored.teamId,
    scopes: new Set(parseScopes(stored.scopes)),
    clientAddress,
  };
}
