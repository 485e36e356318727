import { mkdtemp, rm } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";

import type { MediaStoreSettings } from "../../src/media/open-store";

/** s3rver checks SigV4 signatures against its one built-in account. */
export const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

export interface S3Request {
  method: string;
  /** Path and query, e.g. /bucket/key?partNumber=1&uploadId=... */
  url: string;
  status?: number;
  /** The connection closed before the whole response was sent (the client went away). */
  cutShort?: boolean;
}

export interface TestS3Server {
  endpoint: string;
  /** Every request the server received, in arrival order, with its status once answered. */
  requests: S3Request[];
  /** Settings for createS3Client / openMediaStore pointing at a fresh bucket of this server. */
  settings(bucket: string, overrides?: Partial<Extract<MediaStoreSettings, { kind: "s3" }>>): Extract<MediaStoreSettings, { kind: "s3" }>;
  /** A client with the server's credentials (path-style, as s3rver needs). */
  client(): S3Client;
  createBucket(name: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts s3rver (a small S3-compatible server written in Node) on a random loopback port with
 * its own temp directory. For tests only: production points at real S3, MinIO or R2.
 */
export async function startS3Server(): Promise<TestS3Server> {
  const directory = await mkdtemp(join(tmpdir(), "sg-s3rver-"));
  const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const requests: S3Request[] = [];
  server.httpServer.prependListener("request", (request: IncomingMessage, response) => {
    const entry: S3Request = { method: request.method ?? "", url: request.url ?? "" };
    requests.push(entry);
    response.once("finish", () => (entry.status = response.statusCode));
    response.once("close", () => {
      if (!response.writableFinished) entry.cutShort = true;
    });
  });
  const clients: S3Client[] = [];

  const settings: TestS3Server["settings"] = (bucket, overrides = {}) => ({
    kind: "s3",
    bucket,
    prefix: "",
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
    maxSockets: 64,
    ...overrides,
  });

  return {
    endpoint,
    requests,
    settings,
    client() {
      const client = new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
      clients.push(client);
      return client;
    },
    async createBucket(name) {
      const client = new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
      await client.send(new CreateBucketCommand({ Bucket: name }));
      client.destroy();
    },
    async close() {
      for (const client of clients) client.destroy();
      server.httpServer.closeAllConnections();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
