/**
 * Keys this process has verified recently, so a busy client's requests do not each read its
 * key row (a Prisma query is ~1-2 ms of CPU, the most expensive part of a small request).
 * Keyed by the SHA-256 of the presented key, which is what the row stores: a hit means the
 * key matches a row that was valid when it was read. An entry lives `ttlMs` (AUTH_KEY_CACHE_TTL_MS),
 * so a key revoked, rotated away or given other scopes by another process (the keys CLI,
 * another instance) is refused by this one at most `ttlMs` later; 0 turns the cache off.
 * Only valid keys are kept (an unknown key is read every time: a key created meanwhile works
 * at once), at most `maxEntries` of them, the oldest dropped first.
 */
export interface CachedKey {
  id: string;
  prefix: string;
  teamId: string;
  scopes: string;
  /** When this process last wrote (or read) the row's lastUsedAt. */
  lastUsedAt: Date | null;
}

export class ApiKeyCache {
  private readonly entries = new Map<string, { key: CachedKey; readAtMs: number }>();
  /** Reads under way, by hash: the requests of a burst (or of an expiry) share one. */
  private readonly reading = new Map<string, Promise<CachedKey | null>>();

  constructor(
    readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  /** The key whose stored hash is `hash`, if read less than ttlMs before `nowMs`. */
  get(hash: string, nowMs: number): CachedKey | null {
    const entry = this.entries.get(hash);
    if (!entry) return null;
    // A clock that went back counts as expired too.
    if (nowMs - entry.readAtMs >= this.ttlMs || nowMs < entry.readAtMs) {
      this.entries.delete(hash);
      return null;
    }
    return entry.key;
  }

  /**
   * The key of `hash`: from the cache, else from `read` (the row, checked; null when not a
   * valid key), one read at a time per hash however many requests ask meanwhile.
   */
  resolve(hash: string, nowMs: number, read: () => Promise<CachedKey | null>): Promise<CachedKey | null> {
    const hit = this.get(hash, nowMs);
    if (hit) return Promise.resolve(hit);
    let pending = this.reading.get(hash);
    if (!pending) {
      pending = read()
        .then((key) => {
          if (key) this.set(hash, key, nowMs);
          return key;
        })
        .finally(() => this.reading.delete(hash));
      this.reading.set(hash, pending);
    }
    return pending;
  }

  /** Remembers a key just read from its row and found valid. */
  set(hash: string, key: CachedKey, nowMs: number): void {
    if (this.ttlMs <= 0) return;
    this.entries.delete(hash);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(hash, { key, readAtMs: nowMs });
  }
}
