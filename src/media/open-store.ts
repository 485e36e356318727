import { HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";

import { ConfigError } from "../config";
import type { Logger } from "../logger";
import { mediaDirFailure } from "../startup-errors";
import { cleanIncoming, createFsMediaStore } from "./fs-store";
import { createS3MediaStore, describeS3Error, httpStatusOf } from "./s3-store";
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
  close(): void;
}

/** An S3 conversation that goes quiet this long fails (a put retries; a viewer re-requests). */
const S3_CONNECT_TIMEOUT_MS = 5_000;
const S3_SOCKET_IDLE_TIMEOUT_MS = 60_000;

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
      return { media, description: { mediaStore: "fs", mediaDir: settings.dir }, close() {} };
    } catch (error) {
      throw mediaDirFailure(settings.dir, error);
    }
  }

  const client = createS3Client(settings);
  try {
    await client.config.region();
  } catch {
    client.destroy();
    throw new ConfigError("S3_REGION: not set, and the AWS SDK found none (AWS_REGION, a profile); R2 uses \"auto\"");
  }
  try {
    await client.send(new HeadBucketCommand({ Bucket: settings.bucket }));
  } catch (error) {
    client.destroy();
    const status = httpStatusOf(error);
    const hint =
      status === 404
        ? "the bucket does not exist (create it, or fix S3_BUCKET / S3_ENDPOINT)"
        : status === 403 || status === 401
          ? "access denied (check the credentials and that they may use this bucket)"
          : "check S3_ENDPOINT, S3_REGION and S3_FORCE_PATH_STYLE";
    const detail = describeS3Error("HeadBucket", settings.bucket, error).message;
    throw new ConfigError(`S3_BUCKET: ${JSON.stringify(settings.bucket)} is not usable: ${hint}. ${detail}`);
  }
  return {
    media: createS3MediaStore({ client, bucket: settings.bucket, prefix: settings.prefix, logger }),
    description: {
      mediaStore: "s3",
      bucket: settings.bucket,
      prefix: settings.prefix,
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    },
    close: () => client.destroy(),
  };
}

export function createS3Client(settings: Extract<MediaStoreSettings, { kind: "s3" }>): S3Client {
  return new S3Client({
    ...(settings.region ? { region: settings.region } : {}),
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    forcePathStyle: settings.forcePathStyle,
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
    requestHandler: {
      connectionTimeout: S3_CONNECT_TIMEOUT_MS,
      socketTimeout: S3_SOCKET_IDLE_TIMEOUT_MS,
      // Every video being watched holds one socket while it streams; the SDK's default is 50.
      httpAgent: { maxSockets: settings.maxSockets, keepAlive: true },
      httpsAgent: { maxSockets: settings.maxSockets, keepAlive: true },
    },
  });
}
