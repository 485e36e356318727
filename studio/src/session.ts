import { useEffect, useState } from "preact/hooks";
import { ApiError, execute } from "./api";
import { type StudioSessionQuery, StudioSessionDocument } from "./gql/graphql";

/**
 * Who the page is acting as and what it may spend: the `credits` query (the Segmind balance,
 * the team's budget and spending). Read at start, when the key changes, after a submit and
 * when a generation ends: when the numbers can have moved, never on a timer.
 */

export type Credits = StudioSessionQuery["credits"];

export interface Session {
  credits: Credits | null;
  /** Why it could not be read (e.g. a refused key). */
  error: { message: string; code: string | null } | null;
  loading: boolean;
}

let session: Session = { credits: null, error: null, loading: true };
const listeners = new Set<() => void>();
let running = false;
let again = false;

export async function refreshSession(): Promise<void> {
  // One read at a time; a request for another while one runs (a new key) reads once more after it.
  if (running) {
    again = true;
    return;
  }
  running = true;
  do {
    again = false;
    try {
      const { credits } = await execute(StudioSessionDocument, {});
      session = { credits, error: null, loading: false };
    } catch (error) {
      const code = error instanceof ApiError ? error.code : null;
      session = { credits: null, error: { message: error instanceof Error ? error.message : String(error), code }, loading: false };
    }
  } while (again);
  running = false;
  for (const listener of listeners) listener();
}

export function useSession(): Session {
  const [, setVersion] = useState(0);
  useEffect(() => {
    const listener = () => setVersion((version) => version + 1);
    listeners.add(listener);
    return () => listeners.delete(listener);
  }, []);
  return session;
}
