import CircuitBreaker from "opossum";
import type { Clock } from "../clock";
import { isSegmindError } from "../segmind/errors";

/**
 * The circuit breaker around Segmind submits (opossum), one per gateway instance.
 *
 * It counts only failures that prove Segmind is down and accepted nothing: a 5xx answer, or no
 * connection at all (`provesOutage`). Any other HTTP answer (4xx, 429) shows Segmind is up. An
 * unknown outcome (timeout, dropped connection, unreadable 200) is never a failure while closed
 * (opossum counts it among the window's submits); as the half-open probe it proves nothing, so
 * the circuit opens again.
 *
 * - closed: submits go. When at least `minSubmits` submits fell in the last `windowMs` and more
 *   than `errorPercent` of them proved an outage, it opens.
 * - open: no submit goes. The worker keeps queued generations QUEUED (no attempt used) and
 *   marks them waiting (steps/upstream-wait.ts). After `probeAfterMs` it turns half-open.
 * - half-open: one submit at a time (a real generation's, `admit` hands out one probe). Segmind
 *   accepting it (or answering anything but a 5xx) closes the circuit and every waiting
 *   generation is woken (resume.ts); another failure opens it again for `probeAfterMs`.
 *
 * Its state lives in this process: with several instances each has its own breaker, opens on
 * the failures it sees and probes on its own (at most one probe per instance at a time).
 */
export type BreakerState = "closed" | "open" | "halfOpen";

export interface BreakerSettings {
  /** Submits in the window before the circuit may open (SEGMIND_BREAKER_MIN_SUBMITS). */
  minSubmits: number;
  /** Share of those submits, in percent, that must prove an outage (SEGMIND_BREAKER_ERROR_PERCENT). */
  errorPercent: number;
  /** The rolling window the share is taken over (SEGMIND_BREAKER_WINDOW_MS). */
  windowMs: number;
  /** How long the circuit stays open before one probe may go (SEGMIND_BREAKER_PROBE_AFTER_MS). */
  probeAfterMs: number;
}

export const DEFAULT_BREAKER_SETTINGS: BreakerSettings = {
  minSubmits: 5,
  errorPercent: 50,
  windowMs: 30_000,
  probeAfterMs: 10_000,
};

/** What the worker, /readyz and the schema show while the circuit is not closed. */
export interface Outage {
  state: "open" | "halfOpen";
  /** When the circuit opened, this outage (failed probes do not move it). */
  since: Date;
  /** The failure that opened it (or the last failed probe), in words. */
  reason: string;
  /** Open: when the next probe may go; half-open: null (a probe may go, or is on the wire). */
  nextProbeAt: Date | null;
  /** Probes that failed in this outage. */
  failedProbes: number;
}

/** The submit was not sent: the circuit was open (or its one probe was taken) when it was fired. */
export class CircuitOpenError extends Error {
  override readonly name = "CircuitOpenError";
}

/** Leave to send one submit; give it back (`release`) if the submit is not sent after all. */
export interface Admission {
  /** This submit is the half-open probe. */
  readonly probe: boolean;
  fire<T>(call: () => Promise<T>): Promise<T>;
  release(): void;
}

export interface BreakerListener {
  /** Closed -> open (a new outage), or a probe failed (open again). */
  opened?(outage: Outage, newOutage: boolean): void;
  /** A probe may go now. */
  halfOpened?(outage: Outage): void;
  /** Segmind answered again: the outage is over after `outageMs`. */
  closed?(outage: Outage, outageMs: number): void;
}

/** A failure that proves Segmind is down and accepted nothing: a 5xx, or no connection at all. */
export function provesOutage(error: unknown): boolean {
  return isSegmindError(error) && error.notAccepted && (error.kind === "SERVER_ERROR" || error.kind === "CONNECT_FAILED");
}

/** Segmind answered with a status that is not a 5xx (it is up, whatever it thought of the request). */
function showsUpstreamUp(error: unknown): boolean {
  return isSegmindError(error) && error.notAccepted && error.httpStatus !== null && error.httpStatus < 500;
}

/** How long a probe admission may stay unused before another may be handed out (a lost step). */
const PROBE_HOLD_LIMIT_MS = 120_000;

export class SubmitBreaker {
  private readonly circuit: CircuitBreaker<[() => Promise<unknown>], unknown>;
  private readonly listeners: BreakerListener[] = [];
  private outageSince: Date | null = null;
  private reason = "";
  private nextProbeAt: Date | null = null;
  private failedProbes = 0;
  /** The probe admission handed out in this half-open period, and when. */
  private probeHolder: { token: object; at: number } | null = null;

  constructor(
    readonly settings: BreakerSettings,
    private readonly clock: Clock,
  ) {
    this.circuit = new CircuitBreaker((call: () => Promise<unknown>) => call(), {
      // The Segmind client has its own timeouts; opossum's would give up on a submit still on
      // the wire, whose answer must be recorded.
      timeout: false,
      resetTimeout: settings.probeAfterMs,
      errorThresholdPercentage: settings.errorPercent,
      volumeThreshold: settings.minSubmits,
      rollingCountTimeout: settings.windowMs,
      rollingCountBuckets: 10,
      enableSnapshots: false,
      // true = "not a failure". Unknown outcomes count as failures only for the probe.
      errorFilter: (error: unknown) => {
        if (provesOutage(error)) return false;
        if (showsUpstreamUp(error)) return true;
        return !this.circuit.halfOpen;
      },
    });
    this.circuit.on("failure", (error: unknown) => {
      this.reason = describe(error);
    });
    this.circuit.on("open", () => this.onOpen());
    this.circuit.on("halfOpen", () => this.onHalfOpen());
    this.circuit.on("close", () => this.onClose());
  }

  get state(): BreakerState {
    if (this.circuit.closed) return "closed";
    return this.circuit.halfOpen ? "halfOpen" : "open";
  }

  /** Null while closed. */
  outage(): Outage | null {
    const state = this.state;
    if (state === "closed" || !this.outageSince) return null;
    return {
      state,
      since: this.outageSince,
      reason: this.reason,
      nextProbeAt: state === "open" ? this.nextProbeAt : null,
      failedProbes: this.failedProbes,
    };
  }

  /**
   * Leave to submit now: always while closed; in half-open only the one probe (until it is
   * sent and answered, or released); never while open. Null: hold the generation.
   */
  admit(): Admission | null {
    if (this.circuit.closed) return { probe: false, fire: (call) => this.fire(call), release: () => undefined };
    if (!this.circuit.halfOpen || !this.circuit.pendingClose) return null;
    const now = Date.now();
    if (this.probeHolder && now - this.probeHolder.at < PROBE_HOLD_LIMIT_MS) return null;
    const token = {};
    this.probeHolder = { token, at: now };
    const release = () => {
      if (this.probeHolder?.token === token) this.probeHolder = null;
    };
    return {
      probe: true,
      fire: (call) => this.fire(call).finally(release),
      release,
    };
  }

  /** Registers for transitions (the worker's wake-ups, metrics, logs). */
  listen(listener: BreakerListener): void {
    this.listeners.push(listener);
  }

  /** Stops opossum's timers. */
  shutdown(): void {
    this.circuit.shutdown();
  }

  private async fire<T>(call: () => Promise<T>): Promise<T> {
    try {
      return (await this.circuit.fire(call)) as T;
    } catch (error) {
      if (CircuitBreaker.isOurError(error as Error)) {
        throw new CircuitOpenError("The submit was not sent: Segmind's circuit opened meanwhile");
      }
      throw error;
    }
  }

  private onOpen(): void {
    const now = this.clock.now();
    const newOutage = this.outageSince === null;
    if (newOutage) {
      this.outageSince = now;
      this.failedProbes = 0;
    } else {
      this.failedProbes += 1;
    }
    this.probeHolder = null;
    this.nextProbeAt = new Date(now.getTime() + this.settings.probeAfterMs);
    const outage = this.outage();
    if (outage) this.emit((listener) => listener.opened?.(outage, newOutage));
  }

  private onHalfOpen(): void {
    this.probeHolder = null;
    this.nextProbeAt = null;
    const outage = this.outage();
    if (outage) this.emit((listener) => listener.halfOpened?.(outage));
  }

  private onClose(): void {
    const since = this.outageSince;
    const outage: Outage | null = since
      ? { state: "halfOpen", since, reason: this.reason, nextProbeAt: null, failedProbes: this.failedProbes }
      : null;
    this.outageSince = null;
    this.nextProbeAt = null;
    this.probeHolder = null;
    if (outage) this.emit((listener) => listener.closed?.(outage, this.clock.now().getTime() - outage.since.getTime()));
  }

  private emit(call: (listener: BreakerListener) => void): void {
    for (const listener of this.listeners) {
      try {
        call(listener);
      } catch {
        // A listener must never change what the breaker does.
      }
    }
  }
}

function describe(error: unknown): string {
  if (isSegmindError(error)) return error.message;
  return error instanceof Error ? error.message : String(error);
}
