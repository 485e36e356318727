// The documents the bench sends, and a plain POST for setup and checks.
export const GENERATE = `mutation Generate($input: GenerateVideoInput!) {
  generateVideo(input: $input) {
    __typename
    ... on GenerateVideoPayload { generation { id status } }
    ... on Error { code message }
    ... on BusyError { retryAfterMs }
  }
}`;

export const GENERATE_INPUT = {
  prompt: "A paper boat drifts across a rain puddle at dawn",
  imageUrl: "https://images.example.com/first-frame.png",
  duration: 5,
  resolution: "SD_480P",
};

/**
 * A history page as README's example reads it, plus each generation's manifest: ~2.7 KiB a
 * generation with 16 events (first: 50 is ~135 KiB; issue 8 measured a ~92 KiB selection).
 */
export const PAGE = `query Page($first: Int!) {
  generations(first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      id status seed resultUrl videoSha256 costUsd latencyMs createdAt
      events { sequence type toStatus method path httpStatus durationMs }
      manifest { modelSlug seed seedSource upstreamSeed gatewayVersion imageSha256 videoBytes }
    } }
  }
}`;

/**
 * generateVideo as a well-behaved client sends it: a BusyError (nothing stored) is retried
 * after its retryAfterMs. Returns the last answer and how many BUSY answers came first.
 */
export async function generate(url: string, key: string, input: Record<string, unknown>, timeoutMs: number): Promise<{ answer: GraphQLAnswer; busy: number }> {
  for (let busy = 0; ; busy++) {
    const answer = await post(url, GENERATE, { input }, key, timeoutMs);
    const result = answer.data?.generateVideo;
    if (result?.__typename !== "BusyError" || busy >= 20) return { answer, busy };
    await new Promise((done) => setTimeout(done, Number(result.retryAfterMs) || 500));
  }
}

export interface GraphQLAnswer<T = any> {
  data?: T;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

export async function post<T = any>(url: string, query: string, variables: Record<string, unknown> = {}, key?: string, timeoutMs = 30_000): Promise<GraphQLAnswer<T>> {
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/graphql-response+json",
      ...(key ? { authorization: `Bearer ${key}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  try {
    return JSON.parse(text) as GraphQLAnswer<T>;
  } catch {
    throw new Error(`HTTP ${response.status} with a body that is not JSON: ${JSON.stringify(text.slice(0, 300))}`);
  }
}

/** Waits until every id is final; returns each one's status and error code. */
export async function waitFinal(url: string, key: string, ids: string[], timeoutMs: number): Promise<Map<string, { status: string; errorCode: string | null; upstreamRequestId: string | null; completedAt: string | null }>> {
  const finals = new Map<string, { status: string; errorCode: string | null; upstreamRequestId: string | null; completedAt: string | null }>();
  const deadline = Date.now() + timeoutMs;
  while (finals.size < ids.length && Date.now() < deadline) {
    const pending = ids.filter((id) => !finals.has(id)).slice(0, 100);
    const answer = await post<{ nodes: Array<{ id: string; status: string; errorCode: string | null; upstreamRequestId: string | null; completedAt: string | null } | null> }>(
      url,
      `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Generation { id status errorCode upstreamRequestId completedAt } } }`,
      { ids: pending },
      key,
    );
    for (const node of answer.data?.nodes ?? []) {
      if (node && ["SUCCEEDED", "FAILED", "CANCELED", "EXPIRED"].includes(node.status)) finals.set(node.id, node);
    }
    if (finals.size < ids.length) await new Promise((done) => setTimeout(done, 250));
  }
  return finals;
}

/** A global id's raw UUID (the database's id). */
export function localId(globalId: string): string {
  const raw = Buffer.from(globalId, "base64").toString();
  return raw.slice(raw.indexOf(":") + 1);
}
