/** How long the streams together may send updates before the event loop gets a turn. */
const SLICE_MS = 20;
let sliceStartedAt = performance.now();
/** The turn every stream waits for once the slice is spent: one for all of them. */
let turn: Promise<void> | undefined;

/**
 * Before each update or batch of updates a stream sends, a turn of the event loop once the
 * streams have been sending for SLICE_MS (a promise of it then; nothing to wait for before).
 * Sending an update is all microtasks (execution, serialisation, the socket write), so without
 * it every stream drained its whole backlog before anything else ran: 200 streams and a few
 * hundred events held the loop for 8-12 s (measured), and with it the answers of the worker's
 * open transactions (the pool starved, transactions expired). A turn per update instead cost
 * each update its own socket write (the writes of one turn go out together) and slowed
 * delivery down many times over; a slice keeps both.
 *
 * One turn for all the streams, and the slice restarted once by it: when each stream waited
 * for a turn of its own and restarted the slice on its way back, the streams coming back in
 * one check phase each found a fresh slice, and the phase ran until every backlog was sent
 * (the worker's replies, a downloaded chunk, a database answer waited behind all of it).
 */
export function fairTurn(): Promise<void> | undefined {
  if (turn) return turn;
  if (performance.now() - sliceStartedAt < SLICE_MS) return undefined;
  turn = new Promise((resolve) => {
    setImmediate(() => {
      turn = undefined;
      sliceStartedAt = performance.now();
      resolve();
    });
  });
  return turn;
}

// Where it is asked: generationUpdates before each update, allGenerationUpdates before each
// batch it builds, and shared-subscription-execution.ts before it executes a batch. The last
// matters most: the streams woken by one feed read all build their first batch before any is
// executed, so only a look just before the work keeps a slice a slice.
