import type { SegmindClient } from "../../src/segmind/types";
import { deferred } from "./deferred";

/** A client whose submits wait on the wire until the test lets them go. */
export function holdingSubmits() {
  const held = deferred();
  const reached = deferred();
  const wrap = (client: SegmindClient): SegmindClient => ({
    ...client,
    baseUrl: client.baseUrl,
    modelSlug: client.modelSlug,
    async submit(body, options) {
      reached.resolve();
      await held.promise;
      return client.submit(body, options);
    },
  });
  return { wrap, release: () => held.resolve(), reached: reached.promise };
}
