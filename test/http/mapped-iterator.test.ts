// mapped(): the one-step map every subscription message goes through (shared execution, hidden
// suggestions): values in order, the end, and a failing map that closes its source.
import { describe, expect, it } from "vitest";
import { mapped } from "../../src/http/mapped-iterator";

/** An iterator over `values` that counts its return() calls. */
function source<T>(values: T[]) {
  let i = 0;
  const seen = { returned: 0 };
  const iterator: AsyncIterator<T> = {
    next: async () => (i < values.length ? { done: false, value: values[i++] as T } : { done: true, value: undefined }),
    return: async () => {
      seen.returned++;
      i = values.length;
      return { done: true, value: undefined };
    },
  };
  return { iterator, seen };
}

async function all<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}

describe("mapped", () => {
  it("maps every value in order, by a map that answers at once or later, then ends", async () => {
    expect(await all(mapped(source([1, 2, 3]).iterator, (n) => n * 10))).toEqual([10, 20, 30]);
    expect(await all(mapped(source([1, 2, 3]).iterator, async (n) => `#${n}`))).toEqual(["#1", "#2", "#3"]);
    // Mixed: a value whose map is still pending does not let a later one overtake it.
    const slowFirst = (n: number) => (n === 1 ? new Promise<number>((done) => setTimeout(() => done(n), 20)) : n);
    expect(await all(mapped(source([1, 2, 3]).iterator, slowFirst))).toEqual([1, 2, 3]);
  });

  it("a map that throws or rejects fails the read with its error and closes the source once", async () => {
    for (const map of [
      (n: number) => {
        if (n === 2) throw new Error("no 2");
        return n;
      },
      async (n: number) => {
        if (n === 2) throw new Error("no 2");
        return n;
      },
    ]) {
      const { iterator, seen } = source([1, 2, 3]);
      const each = mapped(iterator, map);
      expect(await each.next()).toEqual({ done: false, value: 1 });
      await expect(each.next()).rejects.toThrow("no 2");
      expect(seen.returned).toBe(1);
    }
  });

  it("return() and throw() reach the source", async () => {
    const { iterator, seen } = source([1, 2, 3]);
    const each = mapped(iterator, (n) => n);
    expect(await each.next()).toEqual({ done: false, value: 1 });
    expect(await each.return?.()).toEqual({ done: true, value: undefined });
    expect(seen.returned).toBe(1);
    expect(await each.next()).toEqual({ done: true, value: undefined });

    const bare: AsyncIterator<number> = { next: async () => ({ done: false, value: 1 }) };
    expect(await mapped(bare, (n) => n).return?.()).toEqual({ done: true, value: undefined });
    await expect(mapped(bare, (n) => n).throw?.(new Error("stop"))).rejects.toThrow("stop");
    const thrown: AsyncIterator<number> = { next: async () => ({ done: false, value: 1 }), throw: async () => ({ done: true, value: undefined }) };
    expect(await mapped(thrown, (n) => n).throw?.(new Error("stop"))).toEqual({ done: true, value: undefined });
  });
});
