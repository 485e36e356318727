/**
 * Idempotency keys belong to the caller's team: two teams may both send "boat-1" and get
 * their own generation each, and neither can replay (and so read) the other's. The database
 * keeps one unique column, so a team's key is stored as `<teamId> <key>`; anonymous keys are
 * stored as sent. Clients' keys are printable ASCII without spaces (validation.ts), so no key
 * a client sends can spell another team's stored key.
 */
export function storedIdempotencyKey(teamId: string | null, key: string): string {
  return teamId === null ? key : `${teamId} ${key}`;
}

/** The key as the client sent it. */
export function clientIdempotencyKey(stored: string | null): string | null {
  if (stored === null) return null;
  const space = stored.indexOf(" ");
  return space < 0 ? stored : stored.slice(space + 1);
}
