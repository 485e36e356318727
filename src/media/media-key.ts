/**
 * Media keys become file paths under a store's root, so they must never be able to name
 * anything outside it. Keys are `/`-separated segments of [A-Za-z0-9._-]; no segment may
 * be empty or start with a dot. That rules out absolute paths, `.` and `..` segments, and
 * the store's own dot-directories (`.incoming`, `.meta`). `..` is also refused anywhere,
 * so the rule stays obvious to anyone reading a key. A segment is at most 128 characters and
 * a key at most 512, far below what a file system allows (255 bytes a name, with room for the
 * sidecar's `.json`), so no key can reach the file system and fail there (ENAMETOOLONG) instead
 * of being refused here; the gateway's own keys are `generations/<uuid>.mp4`.
 */
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;
const MAX_KEY_LENGTH = 512;

export class InvalidMediaKeyError extends Error {
  constructor(readonly key: string) {
    super(`Invalid media key: ${JSON.stringify(key.slice(0, 100))}`);
    this.name = "InvalidMediaKeyError";
  }
}

export function isValidMediaKey(key: string): boolean {
  return (
    key.length > 0 &&
    key.length <= MAX_KEY_LENGTH &&
    !key.includes("..") &&
    key.split("/").every((segment) => SEGMENT.test(segment))
  );
}

export function assertValidMediaKey(key: string): void {
  if (!isValidMediaKey(key)) throw new InvalidMediaKeyError(key);
}
