import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { HoldOutcome } from "../budget/holds";
import type { BudgetExceededError } from "../budget/ledger";
import type { Clock } from "../clock";
import type { Db } from "../db/client";
import { GENERATION_STATUSES, type GenerationStatus, TERMINAL_STATUSES } from "../generations/status";
import type { Logger } from "../logger";
import type { UpstreamCall } from "../segmind/types";
import type { BreakerListener } from "../worker/breaker";
import type { SegmindEndpoint } from "./segmind";

/**
 * Every Prometheus metric the gateway exposes, on one prom-client Registry per gateway (tests
 * build several gateways in one process; their metrics never mix). Domain code calls the small
 * methods below at the points that decide things (the journal's transitions, createGeneration,
 * the Segmind client's exchanges, the limiter, the credits service, the subscriptions); counts are taken
 * after the transaction that decided them committed.
 *
 * Labels are bounded by construction, never ids, keys, prompts or URLs:
 * - `team`: the team's name, or "anonymous". Teams exist only by an operator's `npm run keys
 *   team create`, so there are as many values as rows in the teams table;
 * - `operation`: the GraphQL operation's name as clients write it, the first
 *   MAX_OPERATION_NAMES distinct ones per process, then "(other)";
 * - statuses, error codes, endpoints, limits, scopes, bases: fixed lists in the code;
 * - `status` of an upstream call: an HTTP status code, or the error kind when none came back.
 */
export const METRIC_PREFIX = "seedance_gateway_";
export const MAX_OPERATION_NAMES = 50;

const ACTIVE_STATUSES = GENERATION_STATUSES.filter((status) => !TERMINAL_STATUSES.has(status));
const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const UPSTREAM_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const WAIT_BUCKETS = [0.001, 0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300];

export interface MetricsDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  /** Which upstream's balance to report after a restart ("sandbox" or "segmind"). */
  upstream: string;
  /** How long the queue figures read from the database are reused; default 1 s. */
  queueStatsTtlMs?: number;
}

/** What a committed transition tells the metrics (see GenerationJournal.transition). */
export interface TransitionFacts {
  to: GenerationStatus;
  errorCode: string | null;
  /** The hold it settled or released, with its team. */
  closedHold: (HoldOutcome & { teamId: string }) | null;
  /** The row after a final transition (team, cost, estimate): anonymous spending is counted from it. */
  finalRow: {
    teamId: string | null;
    status: string;
    costUsd: number | null;
    estimatedCostUsd: number | null;
    submittedAt: Date | null;
    errorCode: string | null;
  } | null;
  /** Segmind's balance, when the transition recorded one (v2 result metrics, v1 headers). */
  remainingCreditsUsd: number | null;
}

export type AnonymousSettlement = (row: NonNullable<TransitionFacts["finalRow"]>, holdUsd: number) => HoldOutcome | null;

export class GatewayMetrics {
  readonly registry = new Registry();
  private defaultsRegistered = false;
  private readonly operations = new Set<string>();
  private readonly teamNames = new Map<string, string>();
  private queueStats: { at: number; value: Promise<QueueStats | null> } | null = null;
  private balanceKnown = false;
  private balanceLoaded = false;

  private readonly httpRequests = new Counter({
    name: `${METRIC_PREFIX}http_requests_total`,
    help: "HTTP requests answered, by route (graphql, media, healthz, readyz, metrics, root, other) and status code.",
    labelNames: ["route", "status"] as const,
    registers: [this.registry],
  });
  private readonly graphqlRequests = new Counter({
    name: `${METRIC_PREFIX}graphql_requests_total`,
    help: "GraphQL requests, by operation name, operation type and outcome (ok, or error: the answer carried errors or a 4xx/5xx).",
    labelNames: ["operation", "type", "outcome"] as const,
    registers: [this.registry],
  });
  private readonly graphqlDuration = new Histogram({
    name: `${METRIC_PREFIX}graphql_request_duration_seconds`,
    help: "Time from a GraphQL request's arrival to its response starting (a subscription: its stream opening).",
    labelNames: ["operation", "type", "outcome"] as const,
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  private readonly generationsCreated = new Counter({
    name: `${METRIC_PREFIX}generations_created_total`,
    help: "Generations recorded (replays of an idempotency key not counted), by team.",
    labelNames: ["team"] as const,
    registers: [this.registry],
  });
  private readonly generationsFinished = new Counter({
    name: `${METRIC_PREFIX}generations_finished_total`,
    help: "Generations that reached a final status, by status and error code (none when it succeeded).",
    labelNames: ["status", "error_code"] as const,
    registers: [this.registry],
  });
  private readonly upstreamRequests = new Counter({
    name: `${METRIC_PREFIX}upstream_requests_total`,
    help: "HTTP exchanges with Segmind, by endpoint and status (the HTTP status code, or the error kind when no answer came).",
    labelNames: ["endpoint", "status"] as const,
    registers: [this.registry],
  });
  private readonly upstreamDuration = new Histogram({
    name: `${METRIC_PREFIX}upstream_request_duration_seconds`,
    help: "Duration of each exchange with Segmind (downloads: until the answer's headers), by endpoint.",
    labelNames: ["endpoint"] as const,
    buckets: UPSTREAM_BUCKETS,
    registers: [this.registry],
  });
  private readonly upstreamRateLimited = new Counter({
    name: `${METRIC_PREFIX}upstream_rate_limited_total`,
    help: "Segmind answers with HTTP 429 (rate limited), by endpoint.",
    labelNames: ["endpoint"] as const,
    registers: [this.registry],
  });
  private readonly limiterDeferred = new Histogram({
    name: `${METRIC_PREFIX}rate_limiter_deferred_seconds`,
    help: "Each time the Segmind limiter (SEGMIND_MAX_RPM, a 429 pause) held a keyed call back: how long it was told to wait, by call kind (submit, status, result, credits). The sum is the time calls spent waiting.",
    labelNames: ["kind"] as const,
    buckets: WAIT_BUCKETS,
    registers: [this.registry],
  });
  private readonly budgetHolds = new Counter({
    name: `${METRIC_PREFIX}budget_holds_total`,
    help: "Budget holds placed (one per accepted generation of a team), by team.",
    labelNames: ["team"] as const,
    registers: [this.registry],
  });
  private readonly budgetCloses = new Counter({
    name: `${METRIC_PREFIX}budget_settlements_total`,
    help: "Budget holds closed, by team, kind (SETTLE, RELEASE) and basis (REPORTED_COST, ESTIMATE, UNBILLED).",
    labelNames: ["team", "kind", "basis"] as const,
    registers: [this.registry],
  });
  private readonly budgetRefusals = new Counter({
    name: `${METRIC_PREFIX}budget_refusals_total`,
    help: "Generations refused by a budget (BudgetExceededError), by team, limit and scope (TEAM, KEY).",
    labelNames: ["team", "limit", "scope"] as const,
    registers: [this.registry],
  });
  private readonly spendUsd = new Counter({
    name: `${METRIC_PREFIX}spend_usd_total`,
    help: "Dollars charged, by team: each SETTLE of the budget ledger (Segmind's reported cost, or the estimate when it billed without reporting one); for anonymous generations the same rule applied at their final status.",
    labelNames: ["team"] as const,
    registers: [this.registry],
  });
  private readonly webhookAttempts = new Counter({
    name: `${METRIC_PREFIX}webhook_attempts_total`,
    help: "Webhook delivery attempts, by event type (generation.succeeded, budget.threshold, ...) and outcome: delivered (a 2xx) or failed (anything else; retried on the schedule, or given up).",
    labelNames: ["event", "outcome"] as const,
    registers: [this.registry],
  });
  private readonly webhookDuration = new Histogram({
    name: `${METRIC_PREFIX}webhook_attempt_duration_seconds`,
    help: "How long one webhook delivery attempt took (connect, send, answer), by event type.",
    labelNames: ["event"] as const,
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  private readonly balance = new Gauge({
    name: `${METRIC_PREFIX}segmind_balance_credits`,
    help: "The last Segmind balance the gateway saw (a credits read, or the remaining credits a result reported). Absent until one is known.",
    registers: [this.registry],
    collect: () => this.loadLastBalance(),
  });
  /** The submit circuit breaker's state, as its transitions told it (src/worker/breaker.ts). */
  private circuit: CircuitLabel = "closed";
  private readonly circuitTransitions = new Counter({
    name: `${METRIC_PREFIX}segmind_circuit_transitions_total`,
    help: "Transitions of this instance's circuit breaker on Segmind submits, by the state entered: open (Segmind down: submits held; also after a failed probe), half_open (one probe submit may go), closed (Segmind answered again: held generations resume).",
    labelNames: ["to"] as const,
    registers: [this.registry],
  });
  private readonly subscribers = new Gauge({
    name: `${METRIC_PREFIX}sse_subscribers`,
    help: "Open subscription streams (GraphQL over SSE), by subscription field.",
    labelNames: ["subscription"] as const,
    registers: [this.registry],
  });

  constructor(private readonly deps: MetricsDeps) {
    const queueStats = () => this.readQueueStats();
    const circuit = () => this.circuit;
    new Gauge({
      name: `${METRIC_PREFIX}segmind_circuit_state`,
      help: "This instance's circuit breaker on Segmind submits: 1 for the state it is in (closed, open, half_open), 0 for the others. Open or half_open: Segmind is failing and queued generations wait (Generation.waitingForUpstream).",
      labelNames: ["state"] as const,
      registers: [this.registry],
      collect() {
        for (const state of CIRCUIT_LABELS) this.set({ state }, state === circuit() ? 1 : 0);
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}generations_waiting_for_upstream`,
      help: "Generations held QUEUED because Segmind is down (a circuit breaker is open), read from the database when scraped.",
      registers: [this.registry],
      async collect() {
        const stats = await queueStats();
        if (stats) this.set(stats.waitingForUpstream);
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}generations_in_progress`,
      help: "Generations not in a final status, by status (read from the database when scraped; every gateway process reports the same figure).",
      labelNames: ["status"] as const,
      registers: [this.registry],
      async collect() {
        const stats = await queueStats();
        if (!stats) return;
        for (const status of ACTIVE_STATUSES) this.set({ status }, stats.byStatus.get(status) ?? 0);
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}queue_depth`,
      help: "Generations waiting in QUEUED (read from the database when scraped).",
      registers: [this.registry],
      async collect() {
        const stats = await queueStats();
        if (stats) this.set(stats.byStatus.get("QUEUED") ?? 0);
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}queue_oldest_age_seconds`,
      help: "Age of the oldest generation in QUEUED, since it was created; 0 when none waits.",
      registers: [this.registry],
      async collect() {
        const stats = await queueStats();
        if (stats) this.set(stats.oldestQueuedAgeSeconds);
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}audit_pending_oldest_age_seconds`,
      help: "PostgreSQL: age of the oldest audit entry committed but not yet in the hash chain (src/audit/seal.ts); 0 when none waits. A seal follows every audited commit, so this stays near 0: growing means seals fail (the log says why). Always 0 on SQLite, which chains in the transaction.",
      registers: [this.registry],
      async collect() {
        const stats = await queueStats();
        if (stats) this.set(stats.oldestPendingAuditAgeSeconds);
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}database_up`,
      help: "1 when the scrape's queue figures could be read from the database, else 0 (the figures then keep their last values).",
      registers: [this.registry],
      async collect() {
        this.set((await queueStats()) ? 1 : 0);
      },
    });
  }

  /** The exposition, in Prometheus text format. Default process metrics start with the first scrape. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    if (!this.defaultsRegistered) {
      this.defaultsRegistered = true;
      collectDefaultMetrics({ register: this.registry });
    }
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  // --- HTTP and GraphQL ---------------------------------------------------------------------

  httpRequest(route: string, status: number): void {
    this.httpRequests.inc({ route, status: String(status) });
  }

  graphqlRequest(operationName: string | null, type: string | null, ok: boolean, seconds: number): void {
    const labels = { operation: this.operationLabel(operationName), type: type ?? "none", outcome: ok ? "ok" : "error" };
    this.graphqlRequests.inc(labels);
    this.graphqlDuration.observe(labels, seconds);
  }

  private operationLabel(name: string | null): string {
    if (name === null) return "(anonymous)";
    if (!/^[_A-Za-z][_0-9A-Za-z]{0,127}$/.test(name)) return "(invalid)";
    if (this.operations.has(name)) return name;
    if (this.operations.size >= MAX_OPERATION_NAMES) return "(other)";
    this.operations.add(name);
    return name;
  }

  // --- Generations and budgets ----------------------------------------------------------------

  generationCreated(teamId: string | null, holdPlaced: boolean): void {
    this.withTeam(teamId, (team) => {
      this.generationsCreated.inc({ team });
      if (holdPlaced) this.budgetHolds.inc({ team });
    });
  }

  /** One webhook delivery attempt (src/webhooks/deliver.ts); the event types are a fixed list. */
  webhookAttempt(eventType: string, outcome: { delivered: boolean; durationMs: number }): void {
    this.webhookAttempts.inc({ event: eventType, outcome: outcome.delivered ? "delivered" : "failed" });
    this.webhookDuration.observe({ event: eventType }, outcome.durationMs / 1_000);
  }

  budgetRefused(teamId: string, error: Pick<BudgetExceededError, "limit" | "scope">): void {
    this.withTeam(teamId, (team) => this.budgetRefusals.inc({ team, limit: error.limit, scope: error.scope }));
  }

  /** Called once per committed transition; `settleAnonymous` is holdOutcome, passed in to keep this module free of budget rules. */
  generationTransitioned(facts: TransitionFacts, settleAnonymous: AnonymousSettlement): void {
    if (TERMINAL_STATUSES.has(facts.to)) {
      this.generationsFinished.inc({ status: facts.to, error_code: facts.errorCode ?? "none" });
    }
    const hold = facts.closedHold;
    if (hold) {
      this.withTeam(hold.teamId, (team) => {
        this.budgetCloses.inc({ team, kind: hold.kind, basis: hold.basis });
        if (hold.kind === "SETTLE") this.spendUsd.inc({ team }, hold.amountUsd);
      });
    }
    const row = facts.finalRow;
    if (row && row.teamId === null) {
      const outcome = settleAnonymous(row, row.estimatedCostUsd ?? 0);
      if (outcome?.kind === "SETTLE" && outcome.amountUsd > 0) this.spendUsd.inc({ team: "anonymous" }, outcome.amountUsd);
    }
    if (facts.remainingCreditsUsd != null) this.segmindBalance(facts.remainingCreditsUsd);
  }

  // --- Segmind --------------------------------------------------------------------------------

  upstreamCall(endpoint: SegmindEndpoint, call: UpstreamCall): void {
    const status = call.httpStatus === null ? (call.errorKind ?? "NO_RESPONSE") : String(call.httpStatus);
    this.upstreamRequests.inc({ endpoint, status });
    this.upstreamDuration.observe({ endpoint }, call.durationMs / 1000);
    if (call.httpStatus === 429) this.upstreamRateLimited.inc({ endpoint });
  }

  /** Counts the breaker's transitions and keeps its state for segmind_circuit_state. */
  circuitListener(): BreakerListener {
    const enter = (state: CircuitLabel) => {
      this.circuit = state;
      this.circuitTransitions.inc({ to: state });
    };
    for (const to of CIRCUIT_LABELS) this.circuitTransitions.inc({ to }, 0);
    return {
      opened: () => enter("open"),
      halfOpened: () => enter("half_open"),
      closed: () => enter("closed"),
    };
  }

  /** The limiter held a keyed call of `kind` back for `ms` (src/observability/limiter.ts). */
  rateLimiterDeferred(kind: string, ms: number): void {
    this.limiterDeferred.observe({ kind }, ms / 1000);
  }

  /** A balance read from Segmind (credits) or reported with a result. */
  segmindBalance(credits: number): void {
    this.balanceKnown = true;
    this.balance.set(credits);
  }

  // --- Subscriptions --------------------------------------------------------------------------

  /** The series of `subscription` in sse_subscribers exists (at 0) from the first subscribe on. */
  subscriberSeries(subscription: string): void {
    this.subscribers.inc({ subscription }, 0);
  }

  /** A stream of `subscription` opened: counted in sse_subscribers until the function returned is called (once counts). */
  subscriberOpened(subscription: string): () => void {
    const gauge = this.subscribers;
    gauge.inc({ subscription });
    let closed = false;
    return () => {
      if (closed) return;
      closed = true;
      gauge.dec({ subscription });
    };
  }

  // --- Helpers --------------------------------------------------------------------------------

  /** A team's name as someone just read it (the admission's budget check): no lookup of its own later. */
  teamNamed(teamId: string, name: string): void {
    this.teamNames.set(teamId, name);
  }

  /** Runs `count` with the team's label: its name (looked up once), or "anonymous". */
  private withTeam(teamId: string | null, count: (team: string) => void): void {
    if (teamId === null) return count("anonymous");
    const known = this.teamNames.get(teamId);
    if (known !== undefined) return count(known);
    this.deps.db.team
      .findUnique({ where: { id: teamId }, select: { name: true } })
      .then((row) => {
        // Team names never change (the CLI has no rename), so the lookup is kept.
        if (row) this.teamNames.set(teamId, row.name);
        count(row?.name ?? "unknown");
      })
      .catch((error: unknown) => {
        this.deps.logger.debug("metrics: team name lookup failed", { error });
        count("unknown");
      });
  }

  /** Queue figures, read at most once per `queueStatsTtlMs` however many scrapes ask. */
  private readQueueStats(): Promise<QueueStats | null> {
    const now = Date.now();
    if (this.queueStats && now - this.queueStats.at < (this.deps.queueStatsTtlMs ?? 1_000)) return this.queueStats.value;
    const value = this.queryQueueStats().catch((error: unknown) => {
      this.deps.logger.debug("metrics: queue figures not read", { error });
      return null;
    });
    this.queueStats = { at: now, value };
    return value;
  }

  private async queryQueueStats(): Promise<QueueStats> {
    const db = this.deps.db;
    const [groups, oldest, waitingForUpstream, oldestPendingAudit] = await Promise.all([
      db.generation.groupBy({ by: ["status"], where: { status: { in: ACTIVE_STATUSES } }, _count: { _all: true } }),
      // Ids are UUIDv7: the smallest queued id is the oldest queued row.
      db.generation.findFirst({ where: { status: "QUEUED" }, orderBy: { id: "asc" }, select: { createdAt: true } }),
      db.generation.count({ where: { status: "QUEUED", upstreamWaitSince: { not: null } } }),
      // Pending entries are chained in id order: the smallest is the oldest.
      db.auditPending.findFirst({ orderBy: { id: "asc" }, select: { at: true } }),
    ]);
    const byStatus = new Map(groups.map((group) => [group.status, group._count._all]));
    const now = this.deps.clock.now().getTime();
    const ageSeconds = (since: Date | undefined) => (since ? Math.max(0, (now - since.getTime()) / 1000) : 0);
    return {
      byStatus,
      oldestQueuedAgeSeconds: ageSeconds(oldest?.createdAt),
      waitingForUpstream,
      oldestPendingAuditAgeSeconds: ageSeconds(oldestPendingAudit?.at),
    };
  }

  /** After a restart the gauge starts from the last balance the database kept. */
  private async loadLastBalance(): Promise<void> {
    if (this.balanceKnown || this.balanceLoaded) return;
    this.balanceLoaded = true;
    const row = await this.deps.db.creditSnapshot
      .findFirst({ where: { upstream: this.deps.upstream }, orderBy: { readAt: "desc" } })
      .catch(() => null);
    if (row && !this.balanceKnown) this.segmindBalance(row.credits);
  }
}

interface QueueStats {
  byStatus: Map<string, number>;
  oldestQueuedAgeSeconds: number;
  waitingForUpstream: number;
  oldestPendingAuditAgeSeconds: number;
}

const CIRCUIT_LABELS = ["closed", "open", "half_open"] as const;
type CircuitLabel = (typeof CIRCUIT_LABELS)[number];
