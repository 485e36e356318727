import { context, propagation, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config";
import { createLogger, silentLogger } from "../../src/logger";
import { generationRootSpanId, generationTraceId } from "../../src/observability/tracing";
import { type Tracing, sdkDiagnostics, startTracing } from "../../src/observability/tracing-start";
import { postJson } from "../http/helpers";
import { databaseTargets } from "../support/databases";
import { type Harness, TEST_API_KEY, VALID_INPUT, localId, startHarness } from "../support/harness";
import { type SeededTeam, seedTeam } from "../support/teams";
import { type WebhookReceiver, startWebhookReceiver } from "../support/webhook-receiver";
import { addEndpoint, webhooksIdle } from "../webhooks/support";

/**
 * Traces, through real HTTP against a running gateway, into an in-memory exporter: the spans
 * of one generation form one trace (trace id = the generation's id) holding every worker step
 * and the Segmind calls inside them, linked to the GraphQL request that created it; nothing
 * secret (keys, prompts) in any attribute.
 */
const [sqlite] = databaseTargets();
const PROMPT = "A lighthouse keeper waves at a passing whale, secret prompt 7c1d";
const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let harness: Harness;
let url: string;
let team: SeededTeam;
let receiver: WebhookReceiver;

beforeAll(async () => {
  const settings = loadConfig({ OTEL_TRACES_EXPORTER: "otlp" }).tracing;
  tracing = await startTracing(settings!, silentLogger, { exporter });
  harness = await startHarness(sqlite!, { tracing: true });
  url = await harness.listen();
  team = await seedTeam(harness.db, "lighthouse", { app: "generate,read" });
  receiver = await startWebhookReceiver();
  await addEndpoint(harness, team.id, { url: receiver.url, events: ["generation.succeeded"] });
});
afterAll(async () => {
  await harness?.close();
  await receiver?.close();
  await tracing?.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

const GENERATE = `mutation MakeClip($input: GenerateVideoInput!) {
  generateVideo(input: $input) { __typename ... on GenerateVideoPayload { generation { id } } }
}`;

const attributesOf = (span: ReadableSpan) => span.attributes;
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe("OpenTelemetry traces", () => {
  it("turns on only with OTEL_* settings", () => {
    expect(loadConfig({}).tracing).toBeNull();
    expect(loadConfig({ OTEL_SERVICE_NAME: "x" }).tracing).toBeNull();
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" }).tracing).toEqual({
      exporters: ["otlp"],
      protocol: "http/protobuf",
      endpoint: "http://collector:4318/v1/traces",
      serviceName: "seedance-gateway",
    });
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_SDK_DISABLED: "true" }).tracing).toBeNull();
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_TRACES_EXPORTER: "none" }).tracing).toBeNull();
    expect(loadConfig({ OTEL_TRACES_EXPORTER: "console", OTEL_SERVICE_NAME: "gw-eu" }).tracing).toMatchObject({
      exporters: ["console"],
      serviceName: "gw-eu",
    });
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" })).toThrow(
      'OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" is not one of http/protobuf, http/json',
    );
    expect(() => loadConfig({ OTEL_TRACES_EXPORTER: "otlp,zipkin" })).toThrow('OTEL_TRACES_EXPORTER: "zipkin" is not one of');
  });

  it("one generation is one trace: the request's span links to it; each worker step holds its Segmind and database calls", async () => {
    exporter.reset();
    const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const response = await postJson(
      url,
      { query: GENERATE, variables: { input: { ...VALID_INPUT, prompt: PROMPT } } },
      { authorization: `Bearer ${team.keys.app}`, traceparent, "x-request-id": "trace-test-1" },
    );
    const made = (await response.json()).data.generateVideo;
    expect(made.__typename).toBe("GenerateVideoPayload");
    const id = localId(made.generation.id);
    await harness.waitForStatus(id, ["SUCCEEDED"]);
    await receiver.waitFor(1);
    await webhooksIdle(harness);
    await tracing.flush();
    const spans = exporter.getFinishedSpans();

    // The request: a server span per operation, a child of the caller's traceparent.
    const operation = spans.find((span) => span.name === "mutation MakeClip");
    expect(operation, spans.map((span) => span.name).join(", ")).toBeDefined();
    expect(operation!.spanContext().traceId).toBe("0af7651916cd43dd8448eb211c80319c");
    expect(parentOf(operation!)).toBe("b7ad6b7169203331");
    expect(attributesOf(operation!)).toMatchObject({
      "graphql.operation.type": "mutation",
      "graphql.operation.name": "MakeClip",
      "gateway.request_id": "trace-test-1",
      "gateway.team_id": team.id,
    });
    // Its root field, marked with the generation it created, with createGeneration's database writes inside.
    const field = spans.find((span) => span.name === "Mutation.generateVideo");
    expect(parentOf(field!)).toBe(operation!.spanContext().spanId);
    expect(attributesOf(field!)["generation.id"]).toBe(id);
    expect(field!.events.map((event) => event.name)).toEqual(["generation.created"]);
    const requestDb = spans.filter((span) => span.name.startsWith("db ") && parentOf(span) === field!.spanContext().spanId);
    expect(requestDb.length, "createGeneration's statements").toBeGreaterThan(0);

    // The generation: its own trace, id = the generation's id, rooted in a span linked to the request.
    const traceId = generationTraceId(id);
    expect(traceId).toBe(id.replace(/-/g, ""));
    const generation = spans.filter((span) => span.spanContext().traceId === traceId);
    const root = generation.find((span) => span.name === "generation");
    expect(root!.spanContext().spanId).toBe(generationRootSpanId(id));
    expect(parentOf(root!)).toBeUndefined();
    expect(root!.links.map((link) => link.context.spanId)).toContain(field!.spanContext().spanId);

    // Every worker step a child of that root, with generation.id; each Segmind call inside one.
    const steps = generation.filter((span) => span.name.startsWith("generation.step"));
    // The poll that finds the job done stores its video in the same step (a store step of its
    // own runs only for a row found in STORING, e.g. after a restart).
    expect(steps.map((span) => span.name)).toEqual(expect.arrayContaining(["generation.step submit", "generation.step poll"]));
    for (const step of steps) {
      expect(parentOf(step)).toBe(generationRootSpanId(id));
      expect(attributesOf(step)["generation.id"]).toBe(id);
    }
    const stepIds = new Set(steps.map((span) => span.spanContext().spanId));
    const segmind = generation.filter((span) => span.name.startsWith("segmind "));
    expect(new Set(segmind.map((span) => span.name))).toEqual(new Set(["segmind submit", "segmind status", "segmind result", "segmind download"]));
    for (const call of segmind) {
      expect(stepIds.has(parentOf(call)!)).toBe(true);
      expect(attributesOf(call)["http.response.status_code"]).toBe(200);
    }
    expect(attributesOf(segmind.find((span) => span.name === "segmind submit")!)["segmind.request_id"]).toEqual(expect.any(String));
    // The steps' own database work, in the same trace.
    expect(generation.some((span) => span.name.startsWith("db ") && stepIds.has(parentOf(span)!))).toBe(true);
    // Its webhook, in the same trace, beside the steps.
    const webhook = generation.find((span) => span.name === "webhook deliver");
    expect(parentOf(webhook!)).toBe(generationRootSpanId(id));
    expect(attributesOf(webhook!)).toMatchObject({
      "generation.id": id,
      "webhook.event_type": "generation.succeeded",
      "webhook.attempt": 1,
      "http.response.status_code": 204,
    });
    // Nothing of the generation escaped into another trace.
    const elsewhere = spans.filter(
      (span) => span.spanContext().traceId !== traceId && /^(generation|segmind )/.test(span.name),
    );
    expect(elsewhere.map((span) => span.name)).toEqual([]);

    // Nothing secret anywhere: no key, no prompt, no document or variables.
    const everything = JSON.stringify(
      spans.map((span) => ({ name: span.name, attributes: span.attributes, events: span.events, links: span.links, status: span.status })),
    );
    expect(everything).not.toContain(PROMPT);
    expect(everything).not.toContain("lighthouse keeper");
    expect(everything).not.toContain(TEST_API_KEY);
    expect(everything).not.toContain(team.keys.app!);
    expect(everything).not.toMatch(/variables|graphql\.document|upstreamRequestBody/);
    expect(everything).not.toContain(receiver.url);
  });

  it("a failed generation is one trace too, and its prompt reaches no span", async () => {
    exporter.reset();
    const made = await harness.generate({ ...VALID_INPUT, prompt: "sandbox:fail a storm over the harbour", seed: 77 });
    const id = localId(made.generation.id);
    await harness.waitForStatus(id, ["FAILED"]);
    await tracing.flush();
    const spans = exporter.getFinishedSpans();
    const generation = spans.filter((span) => span.spanContext().traceId === generationTraceId(id));
    expect(generation.map((span) => span.name)).toEqual(expect.arrayContaining(["generation", "segmind submit", "segmind status"]));
    expect(JSON.stringify(spans.map((span) => [span.attributes, span.status, span.events]))).not.toContain("storm over the harbour");
  });

  it("says when spans cannot be exported: one warning a minute per failure, without the stack", () => {
    const lines: string[] = [];
    let now = 0;
    const diagnostics = sdkDiagnostics(createLogger({ level: "debug", write: (line) => lines.push(line) }), () => now);
    const refused = JSON.stringify({ stack: "Error: connect ECONNREFUSED\n    at x", message: "connect ECONNREFUSED 127.0.0.1:4318", code: "ECONNREFUSED" });
    diagnostics.error(refused);
    now += 5_000;
    diagnostics.error(refused);
    diagnostics.info("noise");
    now += 60_000;
    diagnostics.error(refused);
    const messages = lines.map((line) => JSON.parse(line)).map((line) => [line.level, line.message]);
    expect(messages).toEqual([
      ["warn", "tracing: export failed: connect ECONNREFUSED 127.0.0.1:4318"],
      ["warn", "tracing: export failed: connect ECONNREFUSED 127.0.0.1:4318"],
    ]);
  });
});
