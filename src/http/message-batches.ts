import type { ExecutionResult } from "graphql";

/**
 * A subscription's source may hand on several updates at once (generationsUpdated hands on
 * those that arrived together). Each is still its own execution and its own message; for a
 * stream served as server-sent events (event-stream.ts) they travel the rest of the way as one
 * value: one step through every layer between execution and the socket, and one write.
 * Subscriptions are served over SSE only (any other Accept is answered 406, tested in
 * test/http/message-batches.test.ts), so a batch never reaches another result processor.
 *
 * A batch holds results that yoga would serialise as they are (no errors, no HTTP extensions),
 * so no plugin has anything to do with them on their way: masking and the rest look at
 * `errors`, and a batch has none. A result with errors always travels alone.
 */
const MESSAGES = Symbol("messages");

export interface MessageBatch {
  readonly [MESSAGES]: readonly ExecutionResult[];
}

export function messageBatch(results: readonly ExecutionResult[]): MessageBatch {
  return { [MESSAGES]: results };
}

/** The results a value carries when it is a batch. */
export function batchedMessages(value: object): readonly ExecutionResult[] | undefined {
  return (value as Partial<MessageBatch>)[MESSAGES];
}

/** yoga serialises such a result as it is (nothing to strip or mask). */
export function cleanAsIs(result: ExecutionResult): boolean {
  return !result.errors?.length && !(result.extensions as { http?: unknown } | undefined)?.http;
}
