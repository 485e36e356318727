import { createHash, randomBytes } from "node:crypto";
import {
  type Attributes,
  type Context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { GATEWAY_VERSION } from "../version";

/**
 * The gateway's spans, written against `@opentelemetry/api` only: with tracing off (the
 * default) no SDK is loaded, every tracer is the API's no-op one and these helpers cost a
 * function call. `tracing-start.ts` loads the SDK when OTEL_* settings ask for it.
 *
 * One generation is one trace, whatever process runs it: its trace id is the generation's id
 * (UUIDv7, 128 bits) without dashes, and its root span id is derived from the id. The
 * `generation` root span is written when the generation is created, with a link to the
 * GraphQL request that created it; every worker step, in any instance, after any restart,
 * starts as a child of that root, computed from the id alone: nothing to store, no column, no
 * job payload. Paste a generation id (dashes removed) into a trace viewer to find its trace.
 *
 * Attributes never hold keys, prompts, URLs with tokens, or request bodies.
 */

export const TRACER_NAME = "seedance-gateway";

export function gatewayTracer(): Tracer {
  return trace.getTracer(TRACER_NAME, GATEWAY_VERSION);
}

/** The trace id of a generation: its UUID's 32 hex digits. */
export function generationTraceId(id: string): string {
  const hex = id.replace(/-/g, "").toLowerCase();
  return /^[0-9a-f]{32}$/.test(hex) && !/^0+$/.test(hex) ? hex : sha256(`trace:${id}`).slice(0, 32);
}

/** The span id of a generation's root span. */
export function generationRootSpanId(id: string): string {
  const hex = sha256(`generation:${id}`).slice(0, 16);
  return /^0+$/.test(hex) ? "0000000000000001" : hex;
}

/** The context every worker step of a generation starts from: under its root span. */
export function generationContext(id: string): Context {
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: generationTraceId(id),
    spanId: generationRootSpanId(id),
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  });
}

// --- Fixed ids for the root span -------------------------------------------------------------

let fixedIds: { traceId: string; spanId: string } | null = null;

/**
 * The SDK's IdGenerator (tracing-sdk.ts installs it): random ids, except while `withFixedIds`
 * runs, so the `generation` root span gets the ids every step already points at.
 */
export const gatewayIdGenerator = {
  generateTraceId(): string {
    return fixedIds?.traceId ?? nonZeroHex(16);
  },
  generateSpanId(): string {
    return fixedIds?.spanId ?? nonZeroHex(8);
  },
};

function withFixedIds<T>(ids: { traceId: string; spanId: string }, start: () => T): T {
  fixedIds = ids;
  try {
    return start(); // startSpan is synchronous: nothing else can start a span meanwhile.
  } finally {
    fixedIds = null;
  }
}

/**
 * A generation was recorded (createGeneration, after its transaction committed): writes its
 * root span, linked to the request that created it, and marks that request's span.
 */
export function recordGenerationCreated(id: string): void {
  const requestSpan = trace.getActiveSpan();
  if (!requestSpan?.isRecording()) return;
  requestSpan.addEvent("generation.created", { "generation.id": id });
  requestSpan.setAttribute("generation.id", id);
  const root = withFixedIds({ traceId: generationTraceId(id), spanId: generationRootSpanId(id) }, () =>
    gatewayTracer().startSpan("generation", {
      root: true,
      kind: SpanKind.INTERNAL,
      attributes: { "generation.id": id },
      links: [{ context: requestSpan.spanContext(), attributes: { "link.kind": "created_by" } }],
    }),
  );
  root.end();
}

/**
 * One worker step of a generation, as a span in the generation's trace. `fn` may rename it
 * (`generation.step submit`) once the row says which step it is.
 */
export function inGenerationStep<T>(id: string, fn: (span: Span) => Promise<T>): Promise<T> {
  return inSpan("generation.step", { attributes: { "generation.id": id } }, fn, generationContext(id));
}

/** Names the active worker step's span once its row says which step it is. */
export function nameStep(step: string, status: string): void {
  const span = trace.getActiveSpan();
  if (!span?.isRecording()) return;
  span.updateName(`generation.step ${step}`);
  span.setAttribute("generation.step", step);
  span.setAttribute("generation.status", status);
}

/** Runs `fn` in a new active span (a child of `parent`, default the active context), ended when it settles. */
export function inSpan<T>(
  name: string,
  options: { kind?: SpanKind; attributes?: Attributes },
  fn: (span: Span) => Promise<T>,
  parent?: Context,
): Promise<T> {
  const tracer = gatewayTracer();
  const run = (span: Span) =>
    fn(span).then(
      (value) => {
        span.end();
        return value;
      },
      (error: unknown) => {
        markFailed(span, error);
        span.end();
        throw error;
      },
    );
  return parent ? tracer.startActiveSpan(name, options, parent, run) : tracer.startActiveSpan(name, options, run);
}

/**
 * Marks a span failed with the error's class and kind only. Messages are left out: they may
 * quote what a client sent (an upstream's complaint about a prompt, say).
 */
export function markFailed(span: Span, error: unknown): void {
  if (!span.isRecording()) return;
  const name = error instanceof Error ? error.name : typeof error;
  const kind = (error as { kind?: unknown; code?: unknown } | null)?.kind ?? (error as { code?: unknown } | null)?.code;
  span.setStatus({ code: SpanStatusCode.ERROR, message: typeof kind === "string" ? `${name}: ${kind}` : name });
  span.setAttribute("error.type", typeof kind === "string" ? kind : name);
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function nonZeroHex(bytes: number): string {
  for (;;) {
    const hex = randomBytes(bytes).toString("hex");
    if (!/^0+$/.test(hex)) return hex;
  }
}
