import type { CallOptions, SegmindClient, UpstreamCall } from "../segmind/types";

/** Which Segmind endpoint a call went to: a bounded label (never a path, which holds ids). */
export type SegmindEndpoint = "submit" | "status" | "result" | "sync" | "download" | "credits";

/** Told about every HTTP exchange with Segmind, as the client reports it (`UpstreamCall`). */
export type SegmindCallObserver = (endpoint: SegmindEndpoint, call: UpstreamCall) => void;

/**
 * The same client, with every exchange also reported to `observe` (metrics, reachability).
 * The caller's own `onCall` still sees each call, after the observer; an observer that throws
 * never fails a call.
 */
export function observeSegmind(client: SegmindClient, observe: SegmindCallObserver): SegmindClient {
  const withObserver = (endpoint: SegmindEndpoint, options: CallOptions | undefined): CallOptions => ({
    ...options,
    onCall: (call) => {
      try {
        observe(endpoint, call);
      } catch {
        // Observation must never change what a call does.
      }
      options?.onCall?.(call);
    },
  });
  return {
    baseUrl: client.baseUrl,
    modelSlug: client.modelSlug,
    submit: (body, options) => client.submit(body, withObserver("submit", options)),
    getStatus: (id, options) => client.getStatus(id, withObserver("status", options)),
    getResult: (id, options) => client.getResult(id, withObserver("result", options)),
    runSync: (body, options) => client.runSync(body, withObserver("sync", options)),
    download: (url, options) => client.download(url, withObserver("download", options)),
    getCredits: (options) => client.getCredits(withObserver("credits", options)),
  };
}

/**
 * Whether Segmind answered lately, from the calls the gateway makes anyway (a readiness probe
 * never spends a request of Segmind's rate limit): reachable when the last keyed call got an
 * HTTP answer of any status, unreachable when it got none (refused, timed out, dropped).
 * Output downloads go to Segmind's file storage, another host, and are not counted.
 */
export class SegmindReachability {
  private last: { at: Date; httpStatus: number | null; errorKind: string | null } | null = null;

  constructor(private readonly now: () => Date) {}

  readonly observe: SegmindCallObserver = (endpoint, call) => {
    if (endpoint === "download") return;
    this.last = { at: this.now(), httpStatus: call.httpStatus, errorKind: call.errorKind ?? null };
  };

  report(): { reachable: boolean | null; lastCallAt: string | null; lastHttpStatus: number | null; lastError: string | null } {
    if (!this.last) return { reachable: null, lastCallAt: null, lastHttpStatus: null, lastError: null };
    return {
      reachable: this.last.httpStatus !== null,
      lastCallAt: this.last.at.toISOString(),
      lastHttpStatus: this.last.httpStatus,
      lastError: this.last.errorKind,
    };
  }
}
