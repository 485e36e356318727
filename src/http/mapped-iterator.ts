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
