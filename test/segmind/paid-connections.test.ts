import { type IncomingMessage, type Server, createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createSegmindClient } from "../../src/segmind/client";

/**
 * A paid call (v2 submit, v1 run) goes out on a connection of its own, closed after the answer:
 * on a reused keep-alive connection the server has just closed, the request fails before
 * Segmind reads it, and the gateway cannot tell that from a submit Segmind accepted and billed
 * (SUBMIT_OUTCOME_UNKNOWN). Unpaid calls (status, credits) keep reusing connections.
 */
const seen: Array<{ method: string; url: string; socket: Socket; connection: string | undefined }> = [];
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = createServer((request: IncomingMessage, response) => {
    seen.push({ method: request.method ?? "", url: request.url ?? "", socket: request.socket, connection: request.headers.connection });
    response.setHeader("content-type", "application/json");
    if (request.url?.startsWith("/v2/requests/")) return void response.end(JSON.stringify({ status: "PROCESSING" }));
    if (request.url === "/v1/get-user-credits") return void response.end(JSON.stringify({ credits: 10, free_credits: 0 }));
    response.end(JSON.stringify({ request_id: `job-${seen.length}`, status: "QUEUED" }));
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));

const body = { prompt: "a boat", image: "https://images.example.com/a.png", duration: 5, resolution: "480p", seed: 1, camera_fixed: false } as never;

it("sends each submit on a new connection that asks to be closed", async () => {
  seen.length = 0;
  const client = createSegmindClient({ baseUrl, apiKey: "SG_paid_connections_test" });
  for (let i = 0; i < 3; i += 1) expect((await client.submit(body)).requestId).toMatch(/^job-/);
  const submits = seen.filter((request) => request.method === "POST");
  expect(submits).toHaveLength(3);
  expect(new Set(submits.map((request) => request.socket)).size).toBe(3);
  expect(submits.every((request) => request.connection === "close")).toBe(true);
});

it("keeps reusing a connection for status reads", async () => {
  seen.length = 0;
  const client = createSegmindClient({ baseUrl, apiKey: "SG_paid_connections_test" });
  for (let i = 0; i < 5; i += 1) expect((await client.getStatus("job-1")).status).toBe("PROCESSING");
  expect(seen).toHaveLength(5);
  expect(new Set(seen.map((request) => request.socket)).size).toBeLessThan(5);
  expect(seen.some((request) => request.connection === "close")).toBe(false);
});
