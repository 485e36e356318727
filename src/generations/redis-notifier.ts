import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { Logger } from "../logger";
import { type GenerationNotifier, InProcessNotifier } from "./notifier";

/**
 * The notifier across instances: a change made here wakes this process's listeners at once and
 * is published on Redis for every other instance. Like the in-process one it carries only the
 * generation id: subscribers read events from the database, so a lost or repeated message can
 * delay a wake-up but never lose or repeat an event.
 */
export class RedisNotifier implements GenerationNotifier {
  private readonly local = new InProcessNotifier();
  private readonly instance = randomUUID();
  private readonly channel: string;
  private subscriber: Redis | null = null;

  constructor(
    private readonly publisher: Redis,
    prefix: string,
    private readonly logger: Logger,
  ) {
    this.channel = `${prefix}:generation-changed`;
  }

  private subscribed: Promise<void> | null = null;

  /** Opens the subscription (a connection of its own, as Redis requires); once, on first use. */
  start(): Promise<void> {
    this.subscribed ??= this.subscribe();
    return this.subscribed;
  }

  private async subscribe(): Promise<void> {
    const subscriber = this.publisher.duplicate();
    this.subscriber = subscriber;
    subscriber.on("error", (error) => this.logger.warn("notifier connection error", { error }));
    subscriber.on("message", (_channel: string, message: string) => {
      const space = message.indexOf(" ");
      if (space < 0 || message.slice(0, space) === this.instance) return; // ours: delivered already
      this.local.notify(message.slice(space + 1));
    });
    await subscriber.subscribe(this.channel);
  }

  notify(generationId: string): void {
    this.local.notify(generationId);
    this.publisher.publish(this.channel, `${this.instance} ${generationId}`).catch((error: unknown) => {
      // Other instances' subscribers then learn of it at their next tick; nothing is lost.
      this.logger.warn("could not publish a generation change", { generationId, error });
    });
  }

  listen(listener: (generationId: string) => void): () => void {
    this.start().catch((error: unknown) => this.logger.warn("could not subscribe to generation changes", { error }));
    return this.local.listen(listener);
  }

  async close(): Promise<void> {
    await this.subscribed?.catch(() => undefined);
    const subscriber = this.subscriber;
    this.subscriber = null;
    if (subscriber) await subscriber.quit().catch(() => subscriber.disconnect());
  }
}
