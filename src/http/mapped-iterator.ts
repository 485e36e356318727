/**
 * `source` with each value mapped, in one step per value: the source's promise and, only when
 * `map` returns one, the result's. yoga's mapAsyncIterator takes three promises per value, and
 * a subscription's values are many (every message of every subscriber). A failing map closes
 * the source.
 */
export function mapped<T, R>(source: AsyncIterator<T>, map: (value: T) => R | Promise<R>): AsyncIterableIterator<R> {
  const closeOn = (error: unknown): Promise<never> =>
    Promise.resolve(source.return?.()).then(
      () => Promise.reject(error),
      () => Promise.reject(error),
    );
  const step = (result: IteratorResult<T>): IteratorResult<R> | Promise<IteratorResult<R>> => {
    if (result.done) return { done: true, value: undefined };
    let value: R | Promise<R>;
    try {
      value = map(result.value);
    } catch (error) {
      return closeOn(error);
    }
    return value instanceof Promise ? value.then((settled) => ({ done: false, value: settled }), closeOn) : { done: false, value };
  };
  return {
    next: () => source.next().then(step),
    return: (value?: unknown) => (source.return ? source.return(value).then(step) : Promise.resolve({ done: true, value: undefined })),
    throw: (error?: unknown) => (source.throw ? source.throw(error).then(step) : Promise.reject(error)),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/**
 * `source` with each value mapped to any number of values (none skips it), handed on one by
 * one in order: those of one source value before the next is asked for. A failing map closes
 * the source, as in `mapped`.
 */
export function flatMapped<T, R>(source: AsyncIterator<T>, map: (value: T) => readonly R[] | Promise<readonly R[]>): AsyncIterableIterator<R> {
  let queued: readonly R[] = [];
  let at = 0;
  const values = mapped(source, map);
  const next = (): Promise<IteratorResult<R>> => {
    if (at < queued.length) return Promise.resolve({ done: false, value: queued[at++] as R });
    return values.next().then((result) => {
      if (result.done) return { done: true, value: undefined };
      queued = result.value;
      at = 0;
      return next();
    });
  };
  return {
    next,
    return: (value?: unknown) => {
      queued = [];
      return values.return?.(value) as Promise<IteratorResult<R>>;
    },
    throw: (error?: unknown) => values.throw?.(error) as Promise<IteratorResult<R>>,
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
