// A lean GraphQL-over-SSE subscriber (yoga's distinct-connections mode): POST the
// subscription with accept: text/event-stream, then read `next` events as they arrive,
// stamping each with the time it was read.
export interface Subscriber {
  /** Every `next` payload with its arrival time (Date.now()). */
  received: Array<{ at: number; data: any }>;
  /** Set when the stream ended or failed before close() was called. */
  dropped: string | null;
  close(): void;
}

export async function subscribe(url: string, query: string, headers: Record<string, string>): Promise<Subscriber> {
  const controller = new AbortController();
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream", ...headers },
    body: JSON.stringify({ query }),
    signal: controller.signal,
  });
  if (!response.ok || !response.body || !response.headers.get("content-type")?.startsWith("text/event-stream")) {
    throw new Error(`subscription refused: HTTP ${response.status} ${await response.text()}`);
  }
  const subscriber: Subscriber = { received: [], dropped: null, close: () => controller.abort() };
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    let buffer = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) {
          subscriber.dropped = "the server ended the stream";
          return;
        }
        const at = Date.now();
        buffer += value;
        for (let boundary = buffer.indexOf("\n\n"); boundary >= 0; boundary = buffer.indexOf("\n\n")) {
          const block = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + 2);
          if (!block.includes("event: next")) continue;
          const data = block.slice(block.indexOf("data:") + 5);
          subscriber.received.push({ at, data: JSON.parse(data) });
        }
      }
    } catch (error) {
      if (!controller.signal.aborted) subscriber.dropped = String(error);
    }
  })();
  return subscriber;
}
