/**
 * A promise and the function that resolves it, for tests that hold one party until another
 * gets somewhere (Node 20 has no Promise.withResolvers).
 */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}
