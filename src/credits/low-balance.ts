import type { Db, Tx } from "../db/client";
import type { WebhookOutbox } from "../webhooks/outbox";

/**
 * `credits.low` webhooks, for operators' endpoints only: the Segmind balance was seen below
 * WEBHOOK_CREDITS_LOW_USD. Seen where the gateway learns it: a balance read (CreditsService,
 * which also persists the reading) and every result Segmind reports with the remaining balance
 * (the journal's transition into STORING). The alert fires once (a WebhookAlert row, written
 * with its deliveries in the transaction of the reading) and again only after a reading at or
 * above the threshold has cleared it: once until it recovers.
 *
 * Raising or clearing it takes one advisory lock on PostgreSQL (only then: a reading that
 * changes nothing takes none); SQLite has one writer at a time, and every caller's transaction
 * has written before it gets here. So two readings cannot both raise it.
 */
export interface LowBalanceOptions {
  /** WEBHOOK_CREDITS_LOW_USD; null: off. */
  thresholdUsd: number | null;
  /** Which account (the upstream's name): one alert per upstream. */
  upstream: string;
  provider: "sqlite" | "postgresql";
  outbox: Pick<WebhookOutbox, "write" | "scheduled">;
}

// Any fixed key, apart from the gateway's other advisory locks.
const CREDITS_ALERT_LOCK = 0x5eedad0;

export type BalanceSource = "BALANCE_READ" | "GENERATION_RESULT";

export class LowBalanceAlerts {
  constructor(private readonly options: LowBalanceOptions) {}

  get enabled(): boolean {
    return this.options.thresholdUsd !== null;
  }

  /** Inside a transaction that records a balance: raise or clear the alert. Returns delivery ids. */
  async observe(tx: Tx, balanceUsd: number, at: Date, source: BalanceSource): Promise<string[]> {
    const { thresholdUsd, upstream } = this.options;
    if (thresholdUsd === null) return [];
    const key = `credits.low:${upstream}`;
    const low = balanceUsd < thresholdUsd;
    // Raw, so the transition stays on the driver adapter (src/db/raw-transactions.ts).
    const exists = async () => (await tx.$queryRaw<unknown[]>`SELECT 1 FROM "WebhookAlert" WHERE "key" = ${key}`).length > 0;
    // Nothing to change (the common case): no lock.
    if ((await exists()) === low) return [];
    if (this.options.provider === "postgresql") await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${CREDITS_ALERT_LOCK})`);
    const raised = await exists();
    if (!low) {
      if (raised) await tx.webhookAlert.delete({ where: { key } });
      return [];
    }
    if (raised) return [];
    const data = { upstream, balanceUsd, thresholdUsd, source, observedAt: at.toISOString() };
    await tx.webhookAlert.create({ data: { key, type: "credits.low", teamId: null, details: JSON.stringify(data), createdAt: at } });
    return this.options.outbox.write(tx, { type: "credits.low", teamId: null, operatorsOnly: true, at, data });
  }

  /**
   * A balance read (CreditsService): its snapshot and the alert in one transaction, the
   * snapshot first (on SQLite that write takes the lock before anything is read).
   */
  async recordReading(db: Db, reading: { credits: number; freeCredits: number; readAt: Date }): Promise<void> {
    let deliveries: string[] = [];
    await db.$transaction(async (tx) => {
      await tx.creditSnapshot.create({ data: { upstream: this.options.upstream, ...reading } });
      deliveries = await this.observe(tx, reading.credits, reading.readAt, "BALANCE_READ");
    });
    this.options.outbox.scheduled(deliveries);
  }
}
