import { GraphQLError } from "graphql";
import type { GenerationVisibility } from "../auth/visibility";
import type { Db } from "../db/client";
import type { EventFeed, FeedItem } from "./event-feed";
import { fairTurn } from "./fair-turns";
import { latestEventSequence } from "./feed-reads";
import { selectGenerationById } from "./history-reads";
import { type ReplayRange, replayLongerThan, selectReplayEvents, selectReplayPage } from "./replay-reads";
import { Mailbox } from "./mailbox";
import type { ProgressEstimator, ProgressView } from "./progress";
import { type GenerationStatus, TERMINAL_STATUSES } from "./status";
import type { GenerationEventRow, GenerationRow } from "./types";

export interface GenerationUpdate {
  /** EVENT: a new history entry; PROGRESS: a tick while nothing else happened. */
  kind: "EVENT" | "PROGRESS";
  /** The event's sequence, or for a tick the last sequence delivered. */
  sequence: number;
  event: GenerationEventRow | null;
  /** The generation as it is now. */
  generation: GenerationRow;
  progress: number;
  estimatedCompletionAt: Date | null;
}

export interface UpdateStreamDeps {
  db: Db;
  feed: EventFeed;
  progress: ProgressEstimator;
  /** How often a waiting stream sends a PROGRESS tick for unfinished generations. */
  progressTickMs: number;
}

/** The most history one subscription replays from the database; beyond it, a typed error. */
export const MAX_REPLAY_EVENTS = 10_000;
const PAGE = 200;

/**
 * Every change of one generation after `afterSequence` (all of its history when null), then
 * live ones, ending after the final status. History up to the feed's watermark comes from
 * the database, everything after it from the event feed, in sequence order: reconnecting
 * with the last sequence seen gives no gap and no duplicate.
 */
export async function* generationUpdates(
  deps: UpdateStreamDeps,
  generationId: string,
  afterSequence: number | null,
  signal?: AbortSignal,
): AsyncGenerator<GenerationUpdate> {
  const mailbox = new Mailbox<FeedItem>(signal);
  const subscription = await deps.feed.subscribe((items) => {
    const mine = items.filter((item) => item.event.generationId === generationId);
    if (mine.length > 0) mailbox.put(mine);
  });
  const clamp = monotonic();
  try {
    let generation = await selectGenerationById(deps.db, generationId);
    if (!generation) return;
    let last = afterSequence ?? 0;
    let finished = false;
    const update = async (event: GenerationEventRow): Promise<GenerationUpdate> => {
      last = event.id;
      if (event.type === "STATUS_CHANGED" && TERMINAL_STATUSES.has(event.toStatus as GenerationStatus)) finished = true;
      return { kind: "EVENT", sequence: event.id, event, generation: generation as GenerationRow, ...clamp(await viewOnce(deps.progress, generation as GenerationRow)) };
    };

    await refuseLongReplay(deps.db, { after: last, generationId });
    // Final already: its history is complete in the database; send it and end.
    const final = TERMINAL_STATUSES.has(generation.status as GenerationStatus);
    const through = final ? undefined : subscription.watermark;
    const history = () => selectReplayEvents(deps.db, { after: last, through, generationId }, PAGE);
    for (let page = await history(); page.length > 0; page = await history()) {
      for (const event of page) yield await update(event);
      if (page.length < PAGE) break;
    }
    if (final) return;
    while (!finished && !signal?.aborted) {
      const arrived = await mailbox.wait(deps.progressTickMs);
      if (signal?.aborted) return;
      if (!arrived) {
        yield { kind: "PROGRESS", sequence: last, event: null, generation, ...clamp(await deps.progress.view(generation)) };
        continue;
      }
      for (const item of mailbox.take()) {
        if (item.event.id <= last) continue;
        const turn = fairTurn();
        if (turn) await turn;
        generation = item.generation;
        yield await update(item.event);
        if (finished) return;
      }
    }
  } finally {
    subscription.close();
  }
}

/**
 * Changes of every generation the subscriber may see (`visible`, from visibleTo), in sequence
 * order, after `afterSequence` (only new ones when null), optionally only for generations now
 * in one of `statuses` and of one generateVideos batch (`batchId`). Never ends on its own. A change costs this stream no database work:
 * the feed reads it once for every subscriber of the process. Yields the updates in batches:
 * those that arrived together, in order (src/http/shared-subscription-execution.ts executes
 * them one by one and src/http/event-stream.ts writes a batch's messages at once).
 */
export async function* allGenerationUpdates(
  deps: UpdateStreamDeps,
  afterSequence: number | null,
  filter: { statuses: readonly GenerationStatus[] | null; batchId?: string | null },
  visible: GenerationVisibility,
  signal?: AbortSignal,
): AsyncGenerator<readonly GenerationUpdate[]> {
  const { statuses, batchId } = filter;
  const wanted = (generation: GenerationRow) =>
    (visible.teamId === undefined || generation.teamId === visible.teamId) &&
    (!statuses?.length || statuses.includes(generation.status as GenerationStatus)) &&
    (batchId == null || generation.batchId === batchId);
  const mailbox = new Mailbox<FeedItem>(signal);
  const subscription = await deps.feed.subscribe((items) => {
    const mine = items.filter((item) => wanted(item.generation));
    if (mine.length > 0) mailbox.put(mine);
  });
  try {
    // Only new ones: those after the newest event now (the feed's watermark may lag behind it).
    let last = afterSequence ?? Math.max(subscription.watermark, await latestEventSequence(deps.db));
    const generations = { filter: { status: statuses ? [...statuses] : null, batchId }, visibility: visible };
    // Counted to the newest event, not the watermark: the feed hands over what lies between.
    if (afterSequence !== null) await refuseLongReplay(deps.db, { after: last, ...generations });
    if (last < subscription.watermark) {
      for (;;) {
        const page = await selectReplayPage(deps.db, { after: last, through: subscription.watermark, ...generations }, PAGE);
        const batch: GenerationUpdate[] = [];
        for (const { generation, ...event } of page) {
          last = event.id;
          batch.push({ kind: "EVENT", sequence: event.id, event, generation, ...(await deps.progress.view(generation)) });
        }
        if (batch.length > 0) yield batch;
        if (page.length < PAGE) break;
      }
      last = Math.max(last, subscription.watermark);
    }
    // Everything the mailbox holds goes out as one batch (up to PAGE): one step of this stream
    // and one socket write for all of it, however many events a feed read brought. Only the
    // yield waits: a turn of the loop only when one is due, the progress view only until it is
    // known (bench/RESULTS.md, issue 8: each await is a turn of the microtask queue for every
    // batch of every subscriber).
    while (await mailbox.wait()) {
      const items = mailbox.take();
      for (let start = 0; start < items.length; start += PAGE) {
        const turn = fairTurn();
        if (turn) await turn;
        const batch: GenerationUpdate[] = [];
        for (const { event, generation } of items.slice(start, start + PAGE)) {
          if (event.id <= last) continue;
          last = event.id;
          const view = viewOnce(deps.progress, generation);
          batch.push({ kind: "EVENT", sequence: event.id, event, generation, ...(view instanceof Promise ? await view : view) });
        }
        if (batch.length > 0) yield batch;
      }
    }
  } finally {
    subscription.close();
  }
}

const views = new WeakMap<GenerationRow, Promise<ProgressView> | ProgressView>();

/**
 * The progress an EVENT update shows, computed once per generation object: the feed hands the
 * same object to every stream, so every subscriber is sent the same update (progress as of the
 * first stream to send it), and src/http/shared-subscription-execution.ts can execute it once
 * for all of one caller's subscribers. A PROGRESS tick still reads the clock: it is there to
 * show progress moving.
 */
function viewOnce(progress: ProgressEstimator, generation: GenerationRow): Promise<ProgressView> | ProgressView {
  let view = views.get(generation);
  if (!view) {
    const viewing = progress.view(generation);
    view = viewing;
    views.set(generation, viewing);
    // Once known, the view itself: the streams after the first take it without awaiting.
    viewing.then(
      (known) => {
        if (views.get(generation) === viewing) views.set(generation, known);
      },
      () => views.delete(generation),
    );
  }
  return view;
}

/** A catch-up longer than MAX_REPLAY_EVENTS (to the newest event) is refused before anything is sent. */
async function refuseLongReplay(db: Db, range: ReplayRange): Promise<void> {
  if (await replayLongerThan(db, range, MAX_REPLAY_EVENTS)) {
    throw new GraphQLError(
      `More than ${MAX_REPLAY_EVENTS} events to replay after this sequence; page through \`generations\` (or \`generation.events\`) for history and subscribe with a later \`after\`.`,
      { extensions: { code: "REPLAY_TOO_LONG", maxReplayEvents: MAX_REPLAY_EVENTS } },
    );
  }
}

/** Progress as one subscriber sees it: never lower than what it saw before. */
function monotonic() {
  let highest = 0;
  return (view: { progress: number; estimatedCompletionAt: Date | null }) => {
    highest = Math.max(highest, view.progress);
    return { progress: highest, estimatedCompletionAt: view.estimatedCompletionAt };
  };
}
