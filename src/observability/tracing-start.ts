import type { ExportResult } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter, SpanProcessor } from "@opentelemetry/sdk-trace-base";
import type { TracingSettings } from "../config";
import type { Logger } from "../logger";
import { GATEWAY_VERSION } from "../version";
import { gatewayIdGenerator } from "./tracing";

export interface Tracing {
  /** Exports what is buffered, then stops (the server calls it last when it stops). */
  shutdown(): Promise<void>;
  /** Exports what is buffered now (tests). */
  flush(): Promise<void>;
}

export interface TracingOptions {
  /** Instead of the exporters the settings name (tests: an InMemorySpanExporter). */
  exporter?: SpanExporter;
}

/**
 * Loads the OpenTelemetry SDK (only now: with tracing off nothing of it is ever imported, so
 * start-up pays nothing) and registers it globally: the tracer provider, the AsyncLocalStorage
 * context manager (a span stays active across awaits) and W3C trace-context propagation.
 *
 * Exporters: `otlp` over HTTP (protobuf by default, JSON with OTEL_EXPORTER_OTLP_PROTOCOL=
 * http/json), batched; `console` (one JSON object per span on stdout, for a first look). The
 * OTLP exporter reads OTEL_EXPORTER_OTLP_* itself (endpoint, headers, timeout, compression);
 * the sampler is OTEL_TRACES_SAMPLER's (default: every trace). Spans failing to export are
 * dropped and logged by the SDK's diagnostics, never failing a request.
 */
export async function startTracing(settings: TracingSettings, logger: Logger, options: TracingOptions = {}): Promise<Tracing> {
  const [{ NodeTracerProvider }, base, resources] = await Promise.all([
    import("@opentelemetry/sdk-trace-node"),
    import("@opentelemetry/sdk-trace-base"),
    import("@opentelemetry/resources"),
  ]);
  const processors: SpanProcessor[] = [];
  if (options.exporter) {
    processors.push(new base.SimpleSpanProcessor(options.exporter));
  } else {
    for (const name of settings.exporters) {
      if (name === "console") processors.push(new base.SimpleSpanProcessor(new base.ConsoleSpanExporter()));
      else processors.push(new base.BatchSpanProcessor(new LazyExporter(() => otlpExporter(settings.protocol))));
    }
  }
  const resource = resources
    .defaultResource()
    .merge(resources.resourceFromAttributes({ "service.name": settings.serviceName, "service.version": GATEWAY_VERSION }))
    // OTEL_RESOURCE_ATTRIBUTES (deployment.environment, service.instance.id, ...).
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));
  const provider = new NodeTracerProvider({ resource, spanProcessors: processors, idGenerator: gatewayIdGenerator });
  provider.register();
  // The SDK reports failed exports through its diagnostics logger: ours, at warn, throttled.
  const { diag, DiagLogLevel } = await import("@opentelemetry/api");
  diag.setLogger(sdkDiagnostics(logger), { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  if (!options.exporter) {
    logger.info("tracing on (OpenTelemetry)", {
      exporters: settings.exporters,
      ...(settings.exporters.includes("otlp") ? { endpoint: settings.endpoint, protocol: settings.protocol } : {}),
      serviceName: settings.serviceName,
    });
  }
  return {
    flush: () => provider.forceFlush(),
    async shutdown() {
      await provider.shutdown().catch((error: unknown) => logger.warn("tracing: spans not exported at shutdown", { error }));
    },
  };
}

/**
 * The SDK's diagnostics as our log lines ("tracing: ..."), at most one a minute for the same
 * message: a collector that is down must not flood the log with one line per batch.
 */
export function sdkDiagnostics(logger: Logger, now: () => number = Date.now) {
  const lastAt = new Map<string, number>();
  const line = (message: string, ...args: unknown[]) => {
    const text = summary(message);
    const at = now();
    const previous = lastAt.get(text);
    if (previous !== undefined && at - previous < 60_000) return;
    lastAt.set(text, at);
    if (lastAt.size > 100) lastAt.delete(lastAt.keys().next().value as string);
    // A warning, not an error: traces failing never fails a request.
    logger.warn(`tracing: ${text}`, args.length > 0 ? { detail: args.map(describe) } : undefined);
  };
  const ignore = (..._args: unknown[]) => undefined;
  return { error: line, warn: line, info: ignore, debug: ignore, verbose: ignore };
}

/** The SDK's error handler writes whole errors as JSON (stack included): their message is enough. */
function summary(message: string): string {
  if (!message.startsWith("{")) return message;
  try {
    const error = JSON.parse(message) as { message?: unknown; code?: unknown };
    if (typeof error.message === "string") return `export failed: ${error.message}`;
  } catch {
    // not JSON after all
  }
  return message;
}

function describe(arg: unknown): unknown {
  if (arg instanceof Error) return `${arg.name}: ${arg.message}`;
  if (arg !== null && typeof arg === "object" && "message" in arg) return String((arg as { message: unknown }).message);
  return typeof arg === "string" ? arg : String(arg);
}

/**
 * The OTLP exporter (and the serialisation it brings: a third of the SDK's load time) is
 * loaded on the first export, a batch delay after start, not while the gateway starts.
 */
class LazyExporter implements SpanExporter {
  private loaded: Promise<SpanExporter> | null = null;

  constructor(private readonly load: () => Promise<SpanExporter>) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.loaded ??= this.load();
    this.loaded.then(
      (exporter) => exporter.export(spans, done),
      (error: unknown) => done({ code: 1 /* ExportResultCode.FAILED */, error: error as Error }),
    );
  }

  async shutdown(): Promise<void> {
    if (this.loaded) await (await this.loaded).shutdown();
  }

  async forceFlush(): Promise<void> {
    if (this.loaded) await (await this.loaded).forceFlush?.();
  }
}

async function otlpExporter(protocol: TracingSettings["protocol"]): Promise<SpanExporter> {
  if (protocol === "http/json") return new (await import("@opentelemetry/exporter-trace-otlp-http")).OTLPTraceExporter();
  return new (await import("@opentelemetry/exporter-trace-otlp-proto")).OTLPTraceExporter();
}
