import type { Db } from "../db/client";
import type { GenerationNotifier } from "../generations/notifier";
import { type GenerationStatus, TERMINAL_STATUSES } from "../generations/status";

/**
 * Lets someone else's write to a row (a cancel, a deadline, another instance) reach a GET this
 * process has in flight for it: a poll or a download is abandoned once the row is found final.
 * Submits never run through here: their answer must be recorded whatever happened meanwhile.
 *
 * One notifier listener for the whole worker, not one per generation; only ids with a call in
 * flight cost a look at the row.
 */
export class InFlightCalls {
  private readonly calls = new Map<string, AbortController>();
  private readonly unlisten: () => void;

  constructor(
    private readonly db: Db,
    notifier: GenerationNotifier,
  ) {
    this.unlisten = notifier.listen((id) => this.check(id));
  }

  /**
   * Runs a GET for `id` that is abandoned when `signal` aborts (the worker stops) or the row
   * ends; whatever it then throws is rethrown as `CallAbandoned`, so the caller knows there is
   * nothing to retry or record as a failure (the next step reads the row afresh).
   */
  async during<T>(
    id: string,
    signal: AbortSignal,
    run: (signal: AbortSignal) => Promise<T>,
    /**
     * Watch the row only once this settles: a copy that starts while its own STORING record
     * commits is watched from the commit on, so the commit's notification costs no look at the
     * row. Until then, the record's guarded transition is what finds a row that ended.
     */
    watchFrom?: Promise<unknown>,
  ): Promise<T> {
    const call = new AbortController();
    let done = false;
    const watch = () => {
      if (!done) this.calls.set(id, call);
    };
    if (watchFrom) watchFrom.then(watch, watch);
    else watch();
    const combined = AbortSignal.any([signal, call.signal]);
    try {
      return await run(combined);
    } catch (error) {
      if (combined.aborted) throw new CallAbandoned(id, error);
      throw error;
    } finally {
      done = true;
      if (this.calls.get(id) === call) this.calls.delete(id);
    }
  }

  close(): void {
    this.unlisten();
    for (const call of this.calls.values()) call.abort(new Error("worker stopping"));
    this.calls.clear();
  }

  private check(id: string): void {
    const call = this.calls.get(id);
    if (!call) return;
    void this.db.generation
      .findUnique({ where: { id }, select: { status: true } })
      .then((row) => {
        if (!row || TERMINAL_STATUSES.has(row.status as GenerationStatus)) call.abort(new Error("generation ended"));
      })
      .catch(() => undefined);
  }
}

/** A call cut short because the worker stopped or its generation ended meanwhile. */
export class CallAbandoned extends Error {
  override readonly name = "CallAbandoned";
  constructor(
    readonly generationId: string,
    override readonly cause: unknown,
  ) {
    super(`a call for generation ${generationId} was abandoned`);
  }
}
