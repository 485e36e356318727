import type { SegmindClient } from "../../src/segmind/types";

/** A client whose submits wait on the wire until the test lets them go. */
export function holdingSubmits() {
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  let onHeld: () => void = () => undefined;
  const reached = new Promise<void>((resolve) => (onHeld = resolve));
  const wrap = (client: SegmindClient): SegmindClient => ({
    ...client,
    baseUrl: client.baseUrl,
    modelSlug: client.modelSlug,
    async submit(body, options) {
      onHeld();
      await held;
      return client.submit(body, options);
    },
  });
  return { wrap, release: () => release(), reached };
}
