import { HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";

import { ConfigError } from "../config";
import type { Logger } from "../logger";
import type { ReadinessCheck } from "../observability/readiness";
import type { MediaStoreSettings, OpenedMediaStore } from "./open-store";
import { createS3MediaStore, describeS3Error, httpStatusOf } from "./s3-store";

type S3Settings = Extract<MediaStoreSettings, { kind: "s3" }>;

/** An S3 conversation that goes quiet this long fails (a put retries; a viewer re-requests). */
const S3_CONNECT_TIMEOUT_MS = 5_000;
const S3_SOCKET_IDLE_TIMEOUT_MS = 60_000;

/** MEDIA_STORE=s3: resolve the region, check the bucket (HeadBucket), then hand out the store. */
export async function openS3MediaStore(settings: S3Settings, logger: Logger): Promise<OpenedMediaStore> {
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
  // Reported on /readyz but not failing it: a bucket every instance shares being unreachable
  // is not cured by taking instances out of the load balancer (as with Segmind).
  const bucketCheck: ReadinessCheck = {
    name: "mediaStore",
    critical: false,
    async run() {
      try {
        await client.send(new HeadBucketCommand({ Bucket: settings.bucket }));
        return { ok: true, store: "s3", bucket: settings.bucket };
      } catch (error) {
        return { ok: false, store: "s3", bucket: settings.bucket, detail: describeS3Error("HeadBucket", settings.bucket, error).message };
      }
    },
  };
  return {
    media: createS3MediaStore({ client, bucket: settings.bucket, prefix: settings.prefix, logger }),
    description: {
      mediaStore: "s3",
      bucket: settings.bucket,
      prefix: settings.prefix,
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    },
    readinessChecks: [bucketCheck],
    close: () => client.destroy(),
  };
}

export function createS3Client(settings: S3Settings): S3Client {
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
