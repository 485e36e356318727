import { type Span, SpanKind } from "@opentelemetry/api";
import type { CallOptions, SegmindClient } from "../segmind/types";
import type { SegmindEndpoint } from "./segmind";
import { inSpan } from "./tracing";

const METHODS: Record<SegmindEndpoint, "GET" | "POST"> = {
  submit: "POST",
  status: "GET",
  result: "GET",
  sync: "POST",
  download: "GET",
  credits: "GET",
};

/**
 * The same client, with every call a `segmind <endpoint>` client span (a child of whatever is
 * active: a worker step, a GraphQL resolver). Attributes: the endpoint, method, HTTP status,
 * the error kind, Segmind's request id. Never the key, the body (prompt), or a URL (a
 * download URL may carry a storage signature). A download's span ends when its headers arrive;
 * its body streams after.
 */
export function traceSegmind(client: SegmindClient): SegmindClient {
  const host = hostOf(client.baseUrl);
  const traced = <T>(endpoint: SegmindEndpoint, options: CallOptions | undefined, call: (options: CallOptions) => Promise<T>) => {
    const attributes = {
      "segmind.endpoint": endpoint,
      "http.request.method": METHODS[endpoint],
      ...(endpoint === "download" || !host ? {} : { "server.address": host }),
    };
    return inSpan(`segmind ${endpoint}`, { kind: SpanKind.CLIENT, attributes }, (span) =>
      call({
        ...options,
        onCall: (upstreamCall) => {
          describeCall(span, upstreamCall);
          options?.onCall?.(upstreamCall);
        },
      }),
    );
  };
  return {
    baseUrl: client.baseUrl,
    modelSlug: client.modelSlug,
    submit: (body, options) => traced("submit", options, (o) => client.submit(body, o)),
    getStatus: (id, options) => traced("status", options, (o) => client.getStatus(id, o)),
    getResult: (id, options) => traced("result", options, (o) => client.getResult(id, o)),
    runSync: (body, options) => traced("sync", options, (o) => client.runSync(body, o)),
    download: (url, options) => traced("download", options, (o) => client.download(url, o)),
    getCredits: (options) => traced("credits", options, (o) => client.getCredits(o)),
  };
}

function describeCall(span: Span, call: Parameters<NonNullable<CallOptions["onCall"]>>[0]): void {
  if (!span.isRecording()) return;
  if (call.httpStatus !== null) span.setAttribute("http.response.status_code", call.httpStatus);
  if (call.errorKind) span.setAttribute("segmind.error_kind", call.errorKind);
  if (call.requestId) span.setAttribute("segmind.request_id", call.requestId);
  span.setAttribute("segmind.duration_ms", call.durationMs);
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname;
  } catch {
    return null;
  }
}
