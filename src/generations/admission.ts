import DataLoader from "dataloader";
import { type HoldRequest, checkBudgetsReading, lockTeamBudget } from "../budget/ledger";
import type { PlacedHolds } from "../budget/placed-holds";
import type { BudgetAlerts } from "../budget/thresholds";
import type { Db } from "../db/client";
import { transact } from "../db/raw-transactions";
import { roundUsd } from "../money";
import type { GatewayMetrics } from "../observability/metrics";
import type { GenerationOwner } from "./create";
import { type PreparedGeneration, persistRequests } from "./persist";
import type { GenerationRow } from "./types";

/** One generateVideo of a team, validated and prepared, waiting for its budget check. */
export interface AdmissionRequest {
  prepared: PreparedGeneration;
  owner: GenerationOwner & { teamId: string };
  hold: HoldRequest;
  now: Date;
}

export interface Admitted {
  row: GenerationRow;
  /** budget.threshold webhooks its hold raised, to schedule once committed. */
  deliveries: string[];
}

export interface BudgetAdmissionDeps {
  db: Db;
  provider: "sqlite" | "postgresql";
  budgetAlerts?: Pick<BudgetAlerts, "afterHolds">;
  /** Most requests of one team checked and written in one transaction. */
  maxGroup?: number;
  /** Told each HOLD once it committed: the transition that settles it reads no ledger (placed-holds.ts). */
  placedHolds?: Pick<PlacedHolds, "remember">;
  /** Told the team's name as the check read it: the metrics' label needs no read of its own. */
  metrics?: Pick<GatewayMetrics, "teamNamed">;
}

/**
 * Group commit for budgeted requests. A team's budget is checked under its lock, so its
 * requests are admitted one transaction at a time; requests that arrive while one runs wait
 * and then go together in the next: one lock, one read of the budget, one commit for all of
 * them, each still checked in turn (an early one may fit where a later one is refused) and
 * each answered on its own. DataLoader does the gathering: one loader per team whose batches
 * are dispatched only when the team's previous batch has finished.
 *
 * If the group's transaction fails (an idempotency key taken meanwhile, a database error),
 * each of its requests is tried again alone, so one request's failure is never another's.
 */
export class BudgetAdmission {
  private readonly teams = new Map<string, DataLoader<AdmissionRequest, Admitted>>();

  constructor(private readonly deps: BudgetAdmissionDeps) {}

  admit(request: AdmissionRequest): Promise<Admitted> {
    return this.loaderFor(request.owner.teamId).load(request);
  }

  private loaderFor(teamId: string): DataLoader<AdmissionRequest, Admitted> {
    const existing = this.teams.get(teamId);
    if (existing) return existing;
    let running: Promise<unknown> = Promise.resolve();
    const loader = new DataLoader<AdmissionRequest, Admitted>(
      (group) => {
        const done = this.admitGroup(group);
        running = done.catch(() => undefined);
        return done;
      },
      {
        cache: false,
        maxBatchSize: this.deps.maxGroup ?? 50,
        // The next group gathers until the team's current transaction is over.
        batchScheduleFn: (dispatch) => void running.then(() => setImmediate(dispatch)),
      },
    );
    this.teams.set(teamId, loader);
    return loader;
  }

  private async admitGroup(group: readonly AdmissionRequest[]): Promise<Array<Admitted | Error>> {
    const first = group[0] as AdmissionRequest;
    try {
      let team: { id: string; name: string } | null = null;
      // On the driver adapter while it writes raw SQL only (src/db/raw-transactions.ts).
      const results = await transact(this.deps.db, async (tx) => {
        await lockTeamBudget(tx, this.deps.provider, first.owner.teamId);
        const { verdicts, rows: readBefore } = await checkBudgetsReading(
          tx,
          group.map((request) => request.hold),
        );
        team = readBefore.team;
        // Those that fit, all together in a fixed number of statements, each with its own
        // row, first event, tags, hold and audit entry, in arrival order, and the alerts each
        // hold raises (persist.ts).
        const admitted = group.filter((_, index) => !verdicts[index]);
        const alerts = this.deps.budgetAlerts ? { budget: this.deps.budgetAlerts, deliveries: [] as string[] } : undefined;
        const rows = await persistRequests(
          tx,
          admitted.map((request) => ({ owner: request.owner, now: request.now, prepared: [request.prepared] })),
          alerts,
          readBefore,
        );
        // The group's alert deliveries are scheduled once, by its last admitted request.
        const last = admitted.at(-1);
        let next = 0;
        const results = group.map((request, index): Admitted | Error => {
          const refusal = verdicts[index];
          if (refusal) return refusal;
          const row = rows[next++] as GenerationRow;
          return { row, deliveries: request === last ? (alerts?.deliveries ?? []) : [] };
        });
        return results;
      });
      this.committed(group, results, team);
      return results;
    } catch (error) {
      if (group.length === 1) return [error instanceof Error ? error : new Error(String(error))];
      const alone: Array<Admitted | Error> = [];
      for (const request of group) alone.push(...(await this.admitGroup([request])));
      return alone;
    }
  }

  /** What the committed group lets this process know without reading it again. */
  private committed(group: readonly AdmissionRequest[], results: ReadonlyArray<Admitted | Error>, team: { id: string; name: string } | null): void {
    // As placeHolds wrote them: one HOLD of the rounded estimate per admitted generation.
    results.forEach((result, index) => {
      if (!(result instanceof Error)) this.deps.placedHolds?.remember(result.row.id, roundUsd((group[index] as AdmissionRequest).prepared.estimatedCostUsd));
    });
    if (team) this.deps.metrics?.teamNamed(team.id, team.name);
  }
}
