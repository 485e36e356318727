import { type Client, createClient } from "graphql-sse";
import type { TypedDocumentString } from "./gql/graphql";

/**
 * The studio's only way out: the gateway's public GraphQL endpoint, same origin. Queries and
 * mutations are POSTs; subscriptions stream over SSE (graphql-sse, distinct connections mode,
 * as yoga serves it). The API key lives in sessionStorage (this tab only, gone when it
 * closes) and travels in the Authorization header, never in a URL.
 */

export const GRAPHQL_PATH = "/graphql";
const KEY_STORAGE = "seedance-studio:api-key";

export function readKey(): string {
  try {
    return sessionStorage.getItem(KEY_STORAGE) ?? "";
  } catch {
    return "";
  }
}

export function storeKey(key: string): void {
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
  sse?.dispose();
  sse = null;
}

function authHeaders(): Record<string, string> {
  const key = readKey();
  return key ? { authorization: `Bearer ${key}` } : {};
}

/** A request the gateway refused outright (HTTP 401/403, a GraphQL error): not a typed result. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string | null,
    readonly status: number,
  ) {
    super(message);
  }
}

interface Wire<R> {
  data?: R | null;
  errors?: ReadonlyArray<{ message: string; extensions?: { code?: string } }>;
}

function fromErrors<R>(body: Wire<R>, status: number): ApiError {
  const first = body.errors?.[0];
  return new ApiError(first?.message ?? `The gateway answered HTTP ${status}`, first?.extensions?.code ?? null, status);
}

export async function execute<R, V>(document: TypedDocumentString<R, V>, variables: V): Promise<R> {
  const response = await fetch(GRAPHQL_PATH, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/graphql-response+json, application/json",
      ...authHeaders(),
    },
    body: JSON.stringify({ query: document.toString(), variables }),
  });
  let body: Wire<R>;
  try {
    body = (await response.json()) as Wire<R>;
  } catch {
    throw new ApiError(`The gateway answered HTTP ${response.status} without JSON`, null, response.status);
  }
  // Expected failures are data (typed results); only a request refused as a whole throws.
  if (!body.data) throw fromErrors(body, response.status);
  return body.data;
}

let sse: Client | null = null;

function sseClient(): Client {
  sse ??= createClient({
    url: new URL(GRAPHQL_PATH, location.href).toString(),
    headers: authHeaders,
    // The callers resume with `after: <last sequence>` themselves, so nothing is missed or repeated.
    retryAttempts: 0,
  });
  return sse;
}

export interface Sink<R> {
  next(data: R): void;
  error(error: unknown): void;
  complete(): void;
  /** The stream is open (a subscription delivers nothing until something changes). */
  connected?(): void;
}

export function subscribe<R, V>(document: TypedDocumentString<R, V>, variables: V, sink: Sink<R>): () => void {
  return sseClient().subscribe<R>(
    { query: document.toString(), variables: variables as Record<string, unknown> },
    {
      next: (result) => {
        if (result.data) sink.next(result.data as R);
        else if (result.errors?.length) sink.error(fromErrors(result as Wire<R>, 200));
      },
      error: sink.error,
      complete: sink.complete,
    },
    { connected: () => sink.connected?.() },
  );
}

/** A ready-made snippet of a request: the document, its variables, and the same as curl. */
export function snippet<R, V>(document: TypedDocumentString<R, V>, variables: V): string {
  const query = document.toString().trim();
  const endpoint = new URL(GRAPHQL_PATH, location.href).toString();
  const body = JSON.stringify({ query: query.replace(/\s+/g, " "), variables });
  const stream = /^\s*subscription\b/.test(query) ? " -N -H 'accept: text/event-stream'" : "";
  return [
    `# POST ${endpoint}   (header: Authorization: Bearer $KEY; none needed in sandbox mode)`,
    query,
    "",
    "# Variables",
    JSON.stringify(variables ?? {}, null, 2),
    "",
    "# The same with curl",
    `curl ${endpoint}${stream} -H 'content-type: application/json' -H "authorization: Bearer $KEY" \\`,
    `  -d '${body.replace(/'/g, "'\\''")}'`,
    "",
  ].join("\n");
}
