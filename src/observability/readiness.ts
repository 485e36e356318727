import { performance } from "node:perf_hooks";
import type { Db } from "../db/client";
import { readMigrationFiles } from "../db/migration-files";
import { type MigrationRow, pendingMigrations } from "../db/migration-plan";
import type { DatabaseProvider } from "../db/provider";
import type { Outage } from "../worker/breaker";

/**
 * Readiness: may this process be sent traffic? A list of named checks, each answering in
 * bounded time; the gateway is ready when its lifecycle says "ready" and every critical check
 * passes. Non-critical checks (Segmind reachable) are reported but never fail readiness: a
 * Segmind outage is not cured by taking gateways out of a load balancer. Queue-backed workers
 * add their own checks (Redis) through GatewayDeps.readinessChecks.
 */
export interface CheckOutcome {
  ok: boolean;
  /** Why not, or what was seen (never a secret). */
  detail?: string;
  [fact: string]: unknown;
}

export interface ReadinessCheck {
  name: string;
  /** false: reported, never fails readiness. */
  critical: boolean;
  run(): Promise<CheckOutcome>;
}

export type LifecycleState = "starting" | "ready" | "draining";

export interface ReadinessReport {
  status: "ready" | "unready" | LifecycleState;
  ready: boolean;
  checks: Record<string, CheckOutcome & { critical: boolean; durationMs: number }>;
}

/** How long one check may take before it counts as failed. */
const CHECK_TIMEOUT_MS = 2_000;

export class Readiness {
  state: LifecycleState = "starting";
  private inFlight: Promise<ReadinessReport> | null = null;
  private lastReport: { at: number; report: ReadinessReport } | null = null;

  constructor(
    private readonly checks: ReadinessCheck[],
    /** A report younger than this is served again: a probe every second stays cheap. */
    private readonly cacheMs = 500,
  ) {}

  /** The current report; concurrent callers share one evaluation. */
  report(): Promise<ReadinessReport> {
    const now = performance.now();
    if (this.lastReport && now - this.lastReport.at < this.cacheMs && this.lastReport.report.status !== "starting") {
      return Promise.resolve({ ...this.lastReport.report, ...this.lifecycleView(this.lastReport.report) });
    }
    this.inFlight ??= this.evaluate().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async evaluate(): Promise<ReadinessReport> {
    const entries = await Promise.all(
      this.checks.map(async (check) => {
        const started = performance.now();
        const outcome = await withTimeout(check.run(), CHECK_TIMEOUT_MS).catch(
          (error: unknown): CheckOutcome => ({ ok: false, detail: error instanceof Error ? error.message : String(error) }),
        );
        const durationMs = Math.round((performance.now() - started) * 10) / 10;
        return [check.name, { ...outcome, critical: check.critical, durationMs }] as const;
      }),
    );
    const checks = Object.fromEntries(entries);
    const report: ReadinessReport = { status: "unready", ready: false, checks };
    Object.assign(report, this.lifecycleView(report));
    this.lastReport = { at: performance.now(), report };
    return report;
  }

  /** Status and verdict from the checks and, first, the lifecycle (starting, draining). */
  private lifecycleView(report: ReadinessReport): Pick<ReadinessReport, "status" | "ready"> {
    if (this.state !== "ready") return { status: this.state, ready: false };
    const failing = Object.values(report.checks).some((check) => check.critical && !check.ok);
    return failing ? { status: "unready", ready: false } : { status: "ready", ready: true };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The database answers a trivial query. */
export function databaseCheck(db: Db): ReadinessCheck {
  return {
    name: "database",
    critical: true,
    async run() {
      await db.$queryRawUnsafe("SELECT 1");
      return { ok: true };
    },
  };
}

/**
 * Every migration this build knows is applied (a newer process may have applied more). Once
 * true it stays true: migrations are never unapplied, so later probes cost nothing.
 */
export function migrationsCheck(db: Db, provider: DatabaseProvider): ReadinessCheck {
  const files = readMigrationFiles(provider);
  let applied = false;
  return {
    name: "migrations",
    critical: true,
    async run() {
      if (applied) return { ok: true, known: files.length };
      const rows = await db.$queryRawUnsafe<MigrationRow[]>(
        'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"',
      );
      const pending = pendingMigrations(files, rows);
      if (pending.length > 0) return { ok: false, detail: `not applied: ${pending.map((file) => file.name).join(", ")}` };
      applied = true;
      return { ok: true, known: files.length };
    },
  };
}

/** The worker takes work. */
export function workerCheck(worker: { isRunning(): boolean }): ReadinessCheck {
  return {
    name: "worker",
    critical: true,
    async run() {
      return worker.isRunning() ? { ok: true } : { ok: false, detail: "the worker is not running" };
    },
  };
}

/** Segmind answered the gateway's last call (reported only). */
export function segmindCheck(reachability: { report(): { reachable: boolean | null } & Record<string, unknown> }): ReadinessCheck {
  return {
    name: "segmind",
    critical: false,
    async run() {
      const report = reachability.report();
      return { ...report, ok: report.reachable !== false, ...(report.reachable === null ? { detail: "no call made yet" } : {}) };
    },
  };
}

/** Redis answers (REDIS_URL: the shared queue, rate limit and notifier live there). */
export function redisCheck(redis: { ping(): Promise<string> }): ReadinessCheck {
  return {
    name: "redis",
    critical: true,
    async run() {
      await redis.ping();
      return { ok: true };
    },
  };
}

/**
 * The circuit breaker on Segmind submits (reported only): open while Segmind is down and
 * queued generations wait for it. Taking gateways out of a load balancer cures no outage.
 */
export function circuitCheck(breaker: { state: string; outage(): Outage | null }): ReadinessCheck {
  return {
    name: "segmindCircuit",
    critical: false,
    async run() {
      const outage = breaker.outage();
      if (!outage) return { ok: true, state: "closed" };
      const next = outage.nextProbeAt ? `the next probe at ${outage.nextProbeAt.toISOString()}` : "a probe submit may go now";
      return {
        ok: false,
        state: outage.state,
        since: outage.since.toISOString(),
        reason: outage.reason,
        nextProbeAt: outage.nextProbeAt?.toISOString() ?? null,
        failedProbes: outage.failedProbes,
        detail: `Segmind is down since ${outage.since.toISOString()} (${outage.reason}): submits are held, queued generations wait; ${next}`,
      };
    },
  };
}
