import { createServer } from "node:http";
import { ConfigError, loadConfig } from "./config";
import type { RunningGateway } from "./compose";
import { readEnvironment } from "./env-file";
import { gatewayRequestListener } from "./http/request-target";
import { createLogger } from "./logger";
import { listenFailure } from "./startup-errors";
import type { Tracing } from "./observability/tracing-start";

/** Listens, wires signals, drains. Everything else lives in createGateway / composeGateway. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  let envFile: string | null;
  let environment: ReturnType<typeof readEnvironment>;
  try {
    // The environment wins over a .env file in the working directory.
    environment = readEnvironment();
    envFile = environment.file;
    config = loadConfig(environment.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger({
    level: config.LOG_LEVEL,
    secrets: [
      config.SEGMIND_API_KEY,
      config.S3_SECRET_ACCESS_KEY,
      config.METRICS_TOKEN,
      config.WEBHOOK_SECRET_KEY,
      config.OTEL_EXPORTER_OTLP_HEADERS,
    ].filter(
      (secret): secret is string => Boolean(secret),
    ),
  });

  // Traces only when OTEL_* settings ask (the SDK is loaded only then). The exporter reads
  // OTEL_* from the process environment, so those from .env are copied there first.
  // It loads while the database opens; the server listens once it is registered.
  let tracing: Tracing | null = null;
  let tracingStarted: Promise<Tracing> | null = null;
  if (config.tracing) {
    for (const [name, value] of Object.entries(environment.env)) {
      if (name.startsWith("OTEL_") && value?.trim() && !process.env[name]?.trim()) process.env[name] = value;
    }
    const settings = config.tracing;
    tracingStarted = import("./observability/tracing-start").then((module) => module.startTracing(settings, logger));
    tracingStarted.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
  }

  // Signals are wired before anything starts, so a stop during start-up still drains.
  let running: RunningGateway | undefined;
  let server: ReturnType<typeof createServer> | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("stopping", { signal, graceMs: config.SHUTDOWN_GRACE_MS });
    // A last resort if something below hangs (a submit can take its whole timeout to answer).
    const upstreamTimeoutMs = config.SEGMIND_MODE === "v1" ? config.SEGMIND_SYNC_TIMEOUT_MS : config.SEGMIND_TIMEOUT_MS;
    setTimeout(() => {
      logger.error("shutdown did not finish in time; exiting anyway");
      process.exit(1);
    }, config.SHUTDOWN_GRACE_MS + upstreamTimeoutMs + 5_000).unref();
    // No new work from now on: the worker finishes each step in flight (a submit on the wire
    // gets its answer recorded) and leaves every row resumable; in parallel, HTTP drains.
    const workerStopped = running?.gateway.stop();
    if (server) {
      // Stop accepting connections; let in-flight responses finish (bounded by the grace).
      const closed = new Promise<void>((resolve) => server?.close(() => resolve()));
      // Responses from now on ask keep-alive clients to go, and connections that fall idle close.
      server.prependListener("request", (_request, response) => response.setHeader("connection", "close"));
      server.closeIdleConnections();
      const idleSweep = setInterval(() => server?.closeIdleConnections(), 100);
      const forceAfter = setTimeout(() => {
        logger.warn("grace period over; closing connections still open");
        server?.closeAllConnections();
      }, config.SHUTDOWN_GRACE_MS);
      await closed;
      clearInterval(idleSweep);
      clearTimeout(forceAfter);
    }
    await workerStopped;
    await running?.close();
    await tracing?.shutdown();
    logger.info("stopped; unfinished generations resume on next start");
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));

  // The gateway's code loads only once the configuration is valid, so a bad variable is
  // reported at once (through tsx, in under a second instead of several).
  const { composeGateway } = await import("./compose");
  running = await composeGateway(config, logger);
  tracing = await tracingStarted;
  if (stopping) return void (await running.close());
  if (envFile) logger.info("read settings from .env (the environment wins over it)", { file: envFile });
  server = createServer(gatewayRequestListener(running.gateway.yoga));
  await new Promise<void>((resolve, reject) => {
    server?.once("error", (error) => reject(listenFailure(config.HOST, config.PORT, error)));
    server?.listen(config.PORT, config.HOST, resolve);
  });
  if (stopping) return;
  await running.gateway.start();
  logger.info("seedance-gateway listening", {
    graphql: `${config.publicUrl}/graphql`,
    upstream: config.sandbox ? "sandbox" : "segmind",
    database: config.DATABASE_URL.startsWith("file:") ? config.DATABASE_URL : "postgresql",
  });
}

main().catch((error) => {
  process.stderr.write(`seedance-gateway failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
