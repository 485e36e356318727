import type { StepQueue, StepQueueCounts } from "../worker/queue";
import { reconcileInPages } from "../worker/reconcile";
import { type DeliveryDeps, advanceDelivery } from "./deliver";

/**
 * Sends the outbox: a StepQueue of its own (in-process, or BullMQ on Redis as the "webhooks"
 * queue, so with several instances each delivery is sent by exactly one at a time) whose step
 * advances one delivery by one attempt (deliver.ts), plus a reconciler that gives every
 * PENDING delivery without a job one: at start (what a killed process left) and every
 * interval (a flushed Redis). A slow receiver holds one of this queue's slots for at most its
 * timeout and never a generation worker's.
 */
export class WebhookDispatcher {
  private reconcileTimer: NodeJS.Timeout | undefined;
  private state: "new" | "running" | "stopped" = "new";

  constructor(
    private readonly deps: DeliveryDeps,
    private readonly queue: StepQueue,
    private readonly options: { reconcileIntervalMs: number },
  ) {}

  async start(): Promise<void> {
    if (this.state !== "new") return;
    this.state = "running";
    await this.queue.start((id, signal) => advanceDelivery(this.deps, id, signal));
    const resumed = await this.reconcile();
    if (resumed > 0) this.deps.logger.info("resuming pending webhook deliveries", { count: resumed });
    this.reconcileTimer = setInterval(() => {
      this.reconcile().catch((error) => this.deps.logger.warn("webhook reconciler failed; trying again later", { error }));
    }, this.options.reconcileIntervalMs);
    this.reconcileTimer.unref();
  }

  /** Deliveries just committed: their first attempt is due now. */
  schedule(ids: readonly string[]): void {
    if (this.state === "stopped") return;
    for (const id of ids) {
      this.queue.schedule(id).catch((error) =>
        this.deps.logger.warn("could not enqueue a webhook delivery; the reconciler will", { deliveryId: id, error }),
      );
    }
  }

  /** A delivery made due again (redeliverWebhook): a waiting job moves to now, a missing one is added. */
  async redeliver(id: string): Promise<void> {
    if (this.state === "stopped") return;
    await this.queue.wake(id);
    await this.queue.schedule(id);
  }

  async stop(): Promise<void> {
    if (this.state === "stopped") return;
    this.state = "stopped";
    clearInterval(this.reconcileTimer);
    await this.queue.stop();
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  counts(): Promise<StepQueueCounts> {
    return this.queue.counts();
  }

  /** Every PENDING delivery gets a job unless it has one; oldest first, in pages. */
  private reconcile(): Promise<number> {
    return reconcileInPages(
      this.queue,
      (after, take) =>
        this.deps.db.webhookDelivery.findMany({
          where: { status: "PENDING", ...(after ? { id: { gt: after } } : {}) },
          select: { id: true },
          orderBy: { id: "asc" },
          take,
        }),
      () => this.state === "running",
    );
  }
}
