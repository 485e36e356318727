import { GraphQLError } from "graphql";

/**
 * Opaque Relay cursors: `<kind>:<key>` in base64url, so clients treat them as tokens, and
 * checked on the way back in, so a forged or foreign cursor is a clear client error rather
 * than a malformed database query.
 */
export function cursorCodec(kind: string, isValidKey: (key: string) => boolean) {
  const prefix = `${kind}:`;
  return {
    encode: (key: string | number): string => Buffer.from(`${prefix}${key}`).toString("base64url"),
    decode(cursor: string | null | undefined): string | null | undefined {
      if (cursor == null) return cursor;
      const decoded = Buffer.from(cursor, "base64url").toString();
      const key = decoded.startsWith(prefix) ? decoded.slice(prefix.length) : "";
      if (!isValidKey(key)) throw new GraphQLError("Invalid cursor", { extensions: { code: "BAD_USER_INPUT" } });
      return key;
    },
  };
}

/** Keys of autoincrement ids and sequences. */
export const isPositiveInteger = (key: string): boolean => /^[1-9]\d{0,15}$/.test(key);
