import type { Logger } from "../logger";
import type { ReadinessCheck } from "../observability/readiness";
import { mediaDirFailure } from "../startup-errors";
import { cleanIncoming, createFsMediaStore } from "./fs-store";
import type { MediaStore } from "./store";

/** Which media store to run, as configured (MEDIA_STORE and its variables, src/config.ts). */
export type MediaStoreSettings =
  | { kind: "fs"; dir: string }
  | {
      kind: "s3";
      bucket: string;
      /** "" or ending in "/". */
      prefix: string;
      endpoint?: string;
      /** Unset: the SDK's own chain (AWS_REGION, the shared config file). */
      region?: string;
      forcePathStyle: boolean;
      /** Unset: the SDK's default credential chain (AWS_* variables, profiles, instance roles). */
      credentials?: { accessKeyId: string; secretAccessKey: string };
      maxSockets: number;
    };

export interface OpenedMediaStore {
  media: MediaStore;
  /** A line for the start-up log: which store, never a credential. */
  description: Record<string, string>;
  /** For /readyz: the S3 store reports whether its bucket answers (reported, never failing). */
  readinessChecks: ReadinessCheck[];
  close(): void;
}

/**
 * Builds the configured store and proves it usable before the gateway takes work: the
 * directory store sweeps temp files a crash left behind; the S3 store resolves its region
 * and checks the bucket is there and reachable with these credentials (HeadBucket), so a
 * wrong bucket or key stops the start instead of failing every generation later.
 */
export async function openMediaStore(settings: MediaStoreSettings, logger: Logger): Promise<OpenedMediaStore> {
  if (settings.kind === "fs") {
    try {
      const media = createFsMediaStore(settings.dir);
      await cleanIncoming(settings.dir);
      return { media, description: { mediaStore: "fs", mediaDir: settings.dir }, readinessChecks: [], close() {} };
    } catch (error) {
      throw mediaDirFailure(settings.dir, error);
    }
  }

  // Loaded only when used: the AWS SDK adds about a second to every start on this machine.
  const { openS3MediaStore } = await import("./s3-open");
  return openS3MediaStore(settings, logger);
}
