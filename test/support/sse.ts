/** A GraphQL-over-SSE client for tests: POSTs a subscription and reads the event stream raw. */
export interface SseMessage {
  event: string;
  data: any;
}

export interface SseSubscription {
  /** Next `next` payload, or null once the server completed the stream. */
  next(timeoutMs?: number): Promise<any | null>;
  /** Every payload until the server completes the stream. */
  collect(timeoutMs?: number): Promise<any[]>;
  /** Comment lines (keep-alive pings) seen so far. */
  pings(): number;
  close(): void;
}

export async function subscribe(
  baseUrl: string,
  query: string,
  variables: Record<string, unknown> = {},
  options: { headers?: Record<string, string> } = {},
): Promise<SseSubscription> {
  const controller = new AbortController();
  const response = await fetch(`${baseUrl}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream", ...options.headers },
    body: JSON.stringify({ query, variables }),
    signal: controller.signal,
  });
  if (!response.ok || !response.body) throw new Error(`subscription refused: HTTP ${response.status}`);
  if (!response.headers.get("content-type")?.startsWith("text/event-stream")) {
    throw new Error(`not an event stream: ${response.headers.get("content-type")}: ${await response.text()}`);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const queue: SseMessage[] = [];
  let buffer = "";
  let pings = 0;
  let ended = false;

  const readMore = async () => {
    const { value, done } = await reader.read();
    if (done) {
      ended = true;
      return;
    }
    buffer += value;
    let boundary = buffer.indexOf("\n\n");
    while (boundary >= 0) {
      const block = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + 2);
      const message: SseMessage = { event: "message", data: undefined };
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) pings += 1;
        else if (line.startsWith("event:")) message.event = line.slice(6).trim();
        else if (line.startsWith("data:")) message.data = line.slice(5).trim() ? JSON.parse(line.slice(5)) : null;
      }
      if (message.data !== undefined || message.event === "complete") queue.push(message);
      boundary = buffer.indexOf("\n\n");
    }
  };

  const next = async (timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while (queue.length === 0) {
      if (ended) return null;
      if (Date.now() > deadline) throw new Error("no SSE message in time");
      await Promise.race([readMore(), new Promise((resolve) => setTimeout(resolve, Math.max(1, deadline - Date.now())))]);
    }
    const message = queue.shift() as SseMessage;
    if (message.event === "complete") {
      ended = true;
      return null;
    }
    return message.data;
  };

  return {
    next,
    async collect(timeoutMs = 15_000) {
      const payloads: any[] = [];
      for (let payload = await next(timeoutMs); payload !== null; payload = await next(timeoutMs)) payloads.push(payload);
      return payloads;
    },
    pings: () => pings,
    close: () => controller.abort(),
  };
}
