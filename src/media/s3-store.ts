import { createHash } from "node:crypto";
import { Readable, Transform, pipeline } from "node:stream";

import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";

import type { Logger } from "../logger";
import { assertInclusiveRange } from "./byte-range";
import { assertValidMediaKey } from "./media-key";
import type { MediaStore, ObjectStat, StoredObject } from "./store";

/**
 * A `MediaStore` on any S3-compatible service (AWS S3, MinIO, Cloudflare R2, ...), so every
 * gateway instance reads and writes the same videos. Objects live at `<prefix><key>`.
 *
 * Atomicity comes from S3 itself: an object appears under its key only when its PutObject or
 * CompleteMultipartUpload succeeds, never part-way. `put` streams the body through a hashing
 * step into lib-storage's `Upload`: a body smaller than one part goes up as one PutObject, a
 * larger one as a multipart upload, one part at a time by default. Memory is bounded by the
 * part size, not the body: cutting a part briefly holds the incoming chunks, their copy and the
 * previous part's buffer, about 11 MiB referenced at peak with 5 MiB parts; each extra part in
 * flight (`queueSize`) adds one part. Every part is a new Buffer, though, left to the collector
 * once sent, so RSS peaks higher: 26-36 MiB over a 50 MiB put from a source that makes no
 * garbage of its own (`scripts/measure-media-rss.ts s3`, and `s3 live` for the referenced
 * figure; the directory store: about 1 MiB either way). Any failure (the body errors, a part is
 * refused) aborts the multipart upload, so nothing appears under the key and no parts are
 * left behind to pay for; if even the abort fails it is logged, and a bucket lifecycle rule
 * (AbortIncompleteMultipartUpload) is the backstop.
 *
 * Errors are rebuilt from the SDK's name, HTTP status and message only: SDK exceptions carry
 * the server's unmodelled error fields (e.g. the canonical request and string-to-sign of a
 * signature mismatch), which have no business in a log line or a generation's errorMessage.
 */
export interface S3MediaStoreOptions {
  client: S3Client;
  bucket: string;
  /** Prepended to every key: "" or segments ending in "/" (e.g. "gateway/media/"). */
  prefix?: string;
  /** Multipart part size; S3's minimum (5 MiB) is the default and keeps memory lowest. */
  partSizeBytes?: number;
  /** Parts uploaded at once per put; each costs one part of memory. Default 1. */
  queueSize?: number;
  logger?: Logger;
}

export const MIN_PART_SIZE_BYTES = 5 * 1024 * 1024;
const UNKNOWN_CONTENT_TYPE = "application/octet-stream";

/** A store failure with only what is safe to show (operation, key, S3 error name, status). */
export class MediaStoreError extends Error {
  override readonly name = "MediaStoreError";
  constructor(
    message: string,
    readonly httpStatus?: number,
  ) {
    super(message);
  }
}

export function createS3MediaStore(options: S3MediaStoreOptions): MediaStore {
  const { client, bucket, logger } = options;
  const prefix = options.prefix ?? "";
  const partSize = options.partSizeBytes ?? MIN_PART_SIZE_BYTES;
  const queueSize = options.queueSize ?? 1;

  const objectKey = (key: string): string => {
    assertValidMediaKey(key);
    return `${prefix}${key}`;
  };

  return {
    async put(key: string, body: Readable, contentType: string): Promise<StoredObject> {
      let target: string;
      try {
        target = objectKey(key);
      } catch (error) {
        body.destroy(); // put owns the body, as in the directory store
        throw error;
      }

      const hash = createHash("sha256");
      let bytes = 0;
      const hashing = new Transform({
        transform(chunk: Buffer | string, _encoding, done) {
          const data = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
          hash.update(data);
          bytes += data.length;
          done(null, data);
        },
      });
      // The body's own error is what the caller should see, not what it did to the upload.
      let bodyError: unknown;
      pipeline(body, hashing, (error) => {
        if (error) bodyError ??= error;
      });

      const upload = new Upload({
        client,
        params: { Bucket: bucket, Key: target, Body: hashing, ContentType: contentType },
        partSize,
        queueSize,
        // We abort ourselves below, so that a failed abort cannot hide the error that caused it.
        leavePartsOnError: true,
      });
      try {
        await upload.done();
      } catch (error) {
        hashing.destroy(); // stops the body too (pipeline), e.g. an upstream socket
        await abortUpload(upload.uploadId);
        throw bodyError ?? describeS3Error("upload", key, error);
      }
      return { key, sha256: hash.digest("hex"), bytes, contentType };

      async function abortUpload(uploadId: string | undefined): Promise<void> {
        if (uploadId === undefined) return; // nothing was sent yet, or it was one PutObject
        try {
          await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: target, UploadId: uploadId }));
        } catch (abortError) {
          logger?.warn("media store: could not abort a failed multipart upload; its parts stay until a lifecycle rule removes them", {
            key,
            uploadId,
            error: describeS3Error("abort upload", key, abortError),
          });
        }
      }
    },

    async stat(key: string): Promise<ObjectStat | null> {
      const target = objectKey(key);
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: target }));
        return {
          bytes: head.ContentLength ?? 0,
          contentType: head.ContentType ?? UNKNOWN_CONTENT_TYPE,
          ...(head.LastModified ? { modifiedAt: head.LastModified } : {}),
        };
      } catch (error) {
        if (httpStatusOf(error) === 404) return null;
        throw describeS3Error("stat", key, error);
      }
    },

    read(key: string, range?: { start: number; end: number }): Readable {
      const target = objectKey(key);
      if (range) assertInclusiveRange(range);
      // Returned at once (read is synchronous, like a file stream); the GetObject body is pulled
      // through with backpressure once it arrives.
      const request = new AbortController();
      const stream = Readable.from(objectBytes(target, key, range, request.signal), { objectMode: false });
      // A consumer that leaves early (a viewer closes the tab) must not keep an S3 socket open.
      stream.once("close", () => {
        if (!stream.readableEnded) request.abort();
      });
      return stream;
    },

    async remove(key: string): Promise<void> {
      const target = objectKey(key);
      try {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: target })); // 204 when missing too
      } catch (error) {
        throw describeS3Error("remove", key, error);
      }
    },
  };

  /**
   * The bytes of one GetObject, exactly the range asked for (clamped to the object): HTTP
   * answers promise that length in Content-Length, so a service that sends more than asked
   * (s3rver answers "bytes=0-0" with the whole object) is cut to size, and one that sends
   * something else entirely is an error.
   */
  async function* objectBytes(
    target: string,
    key: string,
    range: { start: number; end: number } | undefined,
    signal: AbortSignal,
  ): AsyncGenerator<Buffer> {
    const command = new GetObjectCommand({
      Bucket: bucket,
      Key: target,
      ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
    });
    const response = await client.send(command, { abortSignal: signal }).catch((error: unknown) => {
      throw describeS3Error("read", key, error);
    });
    const body = response.Body as Readable;
    try {
      let remaining = Infinity;
      if (range) {
        const servedStart = /^bytes (\d+)-/.exec(response.ContentRange ?? "")?.[1];
        if (servedStart === undefined || Number(servedStart) !== range.start) {
          throw new MediaStoreError(
            `S3 read of ${JSON.stringify(key)} failed: asked for bytes ${range.start}-${range.end}, got ${response.ContentRange ?? "no range"}`,
          );
        }
        remaining = range.end - range.start + 1;
      }
      for await (const chunk of body as AsyncIterable<Buffer>) {
        const data = chunk.length > remaining ? chunk.subarray(0, remaining) : chunk;
        remaining -= data.length;
        yield data;
        if (remaining === 0) return;
      }
    } finally {
      if (!body.readableEnded) body.destroy(); // a finished body keeps its keep-alive socket
    }
  }
}

export function httpStatusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

/** `S3 <operation> of <key> failed: <name> (HTTP <status>): <message>`, nothing else. */
export function describeS3Error(operation: string, key: string, error: unknown): MediaStoreError {
  const status = httpStatusOf(error);
  const name = error instanceof Error ? error.name : "Error";
  const message = error instanceof Error ? error.message : String(error);
  const detail = message && message !== name && message !== "UnknownError" ? `: ${message}` : "";
  return new MediaStoreError(
    `S3 ${operation} of ${JSON.stringify(key)} failed: ${name}${status ? ` (HTTP ${status})` : ""}${detail}`,
    status,
  );
}
