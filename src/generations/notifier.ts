/**
 * Wake-up calls for subscribers: "generation X has new events". Carries no data on purpose:
 * subscribers read events from the database after the last sequence they saw, so a missed
 * or duplicated notification can neither lose nor repeat an event. An in-process
 * implementation today; a Redis pub/sub one can stand behind the same interface.
 */
export interface GenerationNotifier {
  notify(generationId: string): void;
  /** Calls `listener` for every notification until the returned function is called. */
  listen(listener: (generationId: string) => void): () => void;
}

export class InProcessNotifier implements GenerationNotifier {
  private readonly listeners = new Set<(generationId: string) => void>();

  notify(generationId: string): void {
    for (const listener of this.listeners) listener(generationId);
  }

  listen(listener: (generationId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
