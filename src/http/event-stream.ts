import { Readable } from "node:stream";
import type { ExecutionResult } from "graphql";
import { type Plugin, isAsyncIterable, processRegularResult } from "graphql-yoga";
import type { Logger } from "../logger";
import { batchedMessages, cleanAsIs } from "./message-batches";
import { requestIdFor } from "./request-id";
import { sharedOrigin } from "./shared-subscription-execution";

/** yoga's keep-alive: a comment line this often (every 300 ms under NODE_ENV=test, as yoga does). */
const PING_MS = 12_000;
const PING = Buffer.from(":\n\n");
const COMPLETE = Buffer.from("event: complete\ndata:\n\n");

/**
 * Subscriptions over server-sent events (GraphQL over SSE, distinct connections), as yoga
 * sends them, in fewer steps per message. yoga encodes each message as two chunks (the event
 * line, then `data:` with the JSON), each encoded and pushed through a web ReadableStream, then
 * into the node stream underneath, then written to the response: two writes per message and
 * subscriber. Here each message is one Buffer pushed into a node Readable the response is
 * piped from, and a result shared by many streams (shared-subscription-execution.ts) is
 * serialised and encoded once for all of them. A batch of results (message-batches.ts) is
 * one push of all its messages, so one write to the socket.
 *
 * The wire format is yoga's: a `:` comment first and every 12 s, `event: next` with `data:`
 * per result, `event: complete` at the end. A result that has errors or HTTP extensions is
 * serialised by yoga's own JSON processor (which strips internals from errors), never shared.
 * Only async-iterable results of requests that accept text/event-stream are taken; the rest
 * stays with yoga's processors.
 *
 * A subscription's own failure reaches here as a result with an error (yoga masks it), then
 * the end. Should the stream itself still fail (its iterator rejects, or serialising a result
 * does), that is logged with the request id and the stream is ended without `complete`: the
 * client sees it cut and resumes with `after`.
 */
export function leanEventStreams(logger: Logger): Plugin {
  return {
    onResultProcess({ request, result, setResultProcessor }) {
      if (!isAsyncIterable(result)) return;
      if (!(request.headers.get("accept") ?? "").includes("text/event-stream")) return;
      const failed = (error: unknown) =>
        logger.error("a subscription stream failed; it is ended and its client resumes with `after`", { requestId: requestIdFor(request), error });
      const processor = (result: unknown, fetchAPI: FetchAPI) => processEventStream(result, fetchAPI, failed);
      setResultProcessor(processor as Parameters<typeof setResultProcessor>[0], "text/event-stream");
    },
  };
}

type FetchAPI = Parameters<typeof processRegularResult>[1];

const processEventStream = (result: unknown, fetchAPI: FetchAPI, failed: (error: unknown) => void): Response => {
  const body = new EventStream((result as AsyncIterable<ExecutionResult>)[Symbol.asyncIterator](), fetchAPI, failed);
  return new fetchAPI.Response(body as unknown as ReadableStream, {
    status: 200,
    headers: { "Content-Type": "text/event-stream", Connection: "keep-alive", "Cache-Control": "no-cache", "Content-Encoding": "none" },
  });
};

/** A shared result's message bytes, encoded once. */
const encoded = new WeakMap<ExecutionResult, Buffer>();

class EventStream extends Readable {
  private reading = false;
  private readonly ping: NodeJS.Timeout;

  constructor(
    private readonly source: AsyncIterator<ExecutionResult>,
    private readonly fetchAPI: FetchAPI,
    private readonly failed: (error: unknown) => void,
  ) {
    super();
    // First a comment: some browsers hold the fetch until a body byte arrives.
    this.push(PING);
    this.ping = setInterval(() => this.push(PING), process.env.NODE_ENV === "test" ? 300 : PING_MS);
    this.ping.unref();
  }

  override _read(): void {
    if (this.reading) return;
    this.reading = true;
    this.source
      .next()
      .then(({ value, done }) => {
        const message = value == null ? undefined : this.message(value);
        // A shared or clean result is framed at once; only yoga's JSON processor is waited for.
        if (message instanceof Promise) return message.then((bytes) => this.sent(bytes, done));
        this.sent(message, done);
      })
      // The source failed, or serialising its result did: the response ends, cut (no `complete`).
      .catch((error: unknown) => {
        this.failed(error);
        clearInterval(this.ping);
        this.push(null);
      });
  }

  /** After the source's next result: its message (none for an empty value), then the end if it was the last. */
  private sent(message: Buffer | undefined, done: boolean | undefined): void {
    if (message !== undefined) this.push(message);
    if (done) {
      clearInterval(this.ping);
      this.push(COMPLETE);
      this.push(null);
    }
    this.reading = false;
    // Node asks again only while its buffer has room and after a push: ask once more for
    // a result that pushed nothing (an empty value).
    if (message === undefined && !done) this._read();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearInterval(this.ping);
    const ended = this.source.return?.();
    Promise.resolve(ended).then(
      () => callback(error),
      () => callback(error),
    );
  }

  private message(result: ExecutionResult): Buffer | Promise<Buffer> {
    const batch = batchedMessages(result);
    if (batch !== undefined) return batch.length === 1 ? encodedOnce(batch[0] as ExecutionResult) : Buffer.concat(batch.map(encodedOnce));
    const origin = sharedOrigin(result);
    if (origin !== undefined && cleanAsIs(origin)) return encodedOnce(origin);
    if (cleanAsIs(result)) return frame(JSON.stringify(result));
    // Errors or HTTP extensions: yoga's JSON processor strips their internals.
    return Promise.resolve(processRegularResult(result, this.fetchAPI, "application/json").text()).then(frame);
  }
}

/** A clean shared result's message, serialised and encoded for the first stream that sends it. */
function encodedOnce(result: ExecutionResult): Buffer {
  let bytes = encoded.get(result);
  if (bytes === undefined) encoded.set(result, (bytes = frame(JSON.stringify(result))));
  return bytes;
}

function frame(json: string): Buffer {
  return Buffer.from(`event: next\ndata: ${json}\n\n`);
}
