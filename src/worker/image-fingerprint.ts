import type { GenerationJournal } from "../generations/journal";
import type { ImageFetcher } from "../generations/image-fetch";
import type { GenerationRow } from "../generations/types";
import { CallAbandoned } from "./in-flight";

/**
 * Before the first submit, the worker fetches the first frame once and records its sha256 and
 * size on the manifest. Best effort: a fetch that fails (unreachable, refused by the SSRF
 * rules, too large, too slow) leaves both null and says why in a NOTE event; it never fails or
 * delays the generation beyond the fetch's own timeout. Abandoned (nothing recorded) when the
 * worker stops or the row is canceled meanwhile.
 */
export async function fingerprintFirstFrame(
  deps: { journal: GenerationJournal; imageFetcher: ImageFetcher },
  row: GenerationRow,
  /** Runs the fetch as an abandonable call (in-flight.ts): a stop or a cancel cuts it short. */
  run: <T>(work: (signal: AbortSignal) => Promise<T>) => Promise<T>,
): Promise<void> {
  let fingerprint: Awaited<ReturnType<ImageFetcher>>;
  try {
    fingerprint = await run((signal) => deps.imageFetcher(row.imageUrl, signal));
  } catch (error) {
    if (error instanceof CallAbandoned) return;
    const reason = error instanceof Error ? error.message : String(error);
    await deps.journal.recordEvent(row.id, "NOTE", {
      errorCode: "IMAGE_NOT_FINGERPRINTED",
      message: `The gateway could not fetch the first frame to fingerprint it (${reason}); imageSha256 stays unknown. The generation goes on.`,
    });
    return;
  }
  // Database errors here propagate like any other write of the drive's.
  await deps.journal.update(row.id, { imageSha256: fingerprint.sha256, imageBytes: fingerprint.bytes });
}

/** Whether the drive should fingerprint this row now: not yet done, before the first submit. */
export function needsFingerprint(row: GenerationRow): boolean {
  return row.imageSha256 === null && row.attempts === 0;
}
