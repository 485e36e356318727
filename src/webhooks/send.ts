import type { IncomingMessage } from "node:http";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { lookup as dnsLookup } from "node:dns";
import { Webhook } from "standardwebhooks";
import { publicOnlyLookup } from "../generations/image-fetch";
import { unsafeHostProblem } from "../generations/url-safety";
import { parseRetryAfter } from "./schedule";

/**
 * One attempt to deliver one webhook: a POST of the exact stored body, signed per Standard
 * Webhooks with the `standardwebhooks` package. The SSRF rules of first-frame URLs apply at
 * send time: the literal host, and every address the name resolves to (checked in the
 * connection's own DNS lookup, so no re-binding in between). Redirects are not followed (a
 * 3xx is a failed attempt). Bounded: `timeoutMs` for the whole exchange, and at most
 * `maxResponseBytes` of the answer are read (the rest is dropped with the connection).
 */
export interface WebhookMessage {
  url: string;
  /** The webhook-id: the same on every attempt, so receivers can deduplicate. */
  id: string;
  body: string;
  /** Every secret that signs it (two during a rotation's overlap); at least one. */
  secrets: readonly string[];
  at: Date;
}

export interface AttemptOutcome {
  delivered: boolean;
  /** The receiver's HTTP status; null when no answer arrived. */
  statusCode: number | null;
  /** Retry-After of the answer, in ms from now; null when absent. */
  retryAfterMs: number | null;
  /** Why it failed, in words (never a secret); null when delivered. */
  error: string | null;
  durationMs: number;
}

export interface SendOptions {
  timeoutMs: number;
  maxResponseBytes: number;
  /** Loopback and private targets allowed (WEBHOOK_ALLOW_PRIVATE_TARGETS, development only). */
  allowPrivateTargets: boolean;
  signal?: AbortSignal;
  /** Name resolution, whose every answer the SSRF rules check (tests); default the system's. */
  resolve?: typeof dnsLookup;
}

export const USER_AGENT = "seedance-gateway-webhooks/1";

/** The three Standard Webhooks headers: one `v1,<sig>` per secret, space-separated. */
export function signatureHeaders(message: Pick<WebhookMessage, "id" | "body" | "secrets" | "at">): Record<string, string> {
  const signature = message.secrets.map((secret) => new Webhook(secret).sign(message.id, message.at, message.body)).join(" ");
  return {
    "webhook-id": message.id,
    "webhook-timestamp": String(Math.floor(message.at.getTime() / 1_000)),
    "webhook-signature": signature,
  };
}

export async function sendWebhook(message: WebhookMessage, options: SendOptions): Promise<AttemptOutcome> {
  const startedAt = performance.now();
  const outcome = (fields: Omit<AttemptOutcome, "durationMs">): AttemptOutcome => ({
    ...fields,
    durationMs: Math.round(performance.now() - startedAt),
  });
  const failed = (error: string, statusCode: number | null = null, retryAfterMs: number | null = null) =>
    outcome({ delivered: false, statusCode, retryAfterMs, error });

  let url: URL;
  try {
    url = new URL(message.url);
  } catch {
    return failed("the endpoint URL is not a URL");
  }
  if (!options.allowPrivateTargets) {
    const problem = unsafeHostProblem(url);
    if (problem) return failed(`refused: the host ${problem}`);
  }
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const body = Buffer.from(message.body, "utf8");
  const headers = {
    ...signatureHeaders(message),
    "content-type": "application/json",
    "content-length": String(body.length),
    "user-agent": USER_AGENT,
  };
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  const lookup = options.allowPrivateTargets ? undefined : publicOnlyLookup(options.resolve);
  try {
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const outgoing = send(url, { method: "POST", headers, signal, ...(lookup ? { lookup } : {}) }, resolve);
      outgoing.on("error", reject);
      outgoing.end(body);
    });
    const statusCode = response.statusCode ?? 0;
    await drain(response, options.maxResponseBytes);
    if (statusCode >= 200 && statusCode < 300) return outcome({ delivered: true, statusCode, retryAfterMs: null, error: null });
    const retryAfter = parseRetryAfter(response.headers["retry-after"], Date.now());
    const why = statusCode >= 300 && statusCode < 400 ? `HTTP ${statusCode} (redirects are not followed)` : `HTTP ${statusCode}`;
    return failed(why, statusCode, retryAfter);
  } catch (error) {
    if (timeout.aborted) return failed(`no answer within ${options.timeoutMs} ms`);
    if (options.signal?.aborted) return failed("the gateway stopped during the attempt");
    return failed(describe(error));
  }
}

/** Reads and drops the answer, at most `maxBytes` of it; a longer one is cut off with its connection. */
async function drain(response: IncomingMessage, maxBytes: number): Promise<void> {
  let bytes = 0;
  try {
    for await (const chunk of response) {
      bytes += (chunk as Buffer).length;
      if (bytes > maxBytes) {
        response.destroy();
        return;
      }
    }
  } catch {
    // The status is what counts; a body cut short changes nothing.
  }
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
