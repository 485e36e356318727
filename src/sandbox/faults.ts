/**
 * Faults a test queues on the stand-in: each takes the place of the normal answer for the
 * next matching request(s), in the order they were queued.
 */

export type FaultRoute = "submit" | "status" | "result" | "sync" | "credits" | "download";

export type FaultKind =
  /** Answer this instead of the normal answer (nothing is created or billed). */
  | { status: number; body?: string; contentType?: string; headers?: Record<string, string> }
  /** Never answer (until the client gives up or the stand-in closes). */
  | "hang"
  /** Destroy the socket before any response; no job is created or billed. */
  | "drop"
  /** submit/sync: create and bill the job, then destroy the socket without answering. */
  | "drop-after-accept"
  /** Start the 200 (headers with the full Content-Length, part of the body), then destroy the socket. */
  | "truncate"
  /** Start the 200 like "truncate", then send nothing more, keeping the connection open (a stalled stream). */
  | "stall"
  /** A 200 whose body is not valid JSON (submit: the job is still created and billed). */
  | "malformed"
  /** The normal answer, its body sent `chunkBytes` at a time with `intervalMs` between chunks (a slow link). */
  | { trickle: { chunkBytes: number; intervalMs: number } };

export interface Fault {
  route: FaultRoute | "any";
  kind: FaultKind;
  /** How many matching requests it affects; default 1. */
  times?: number;
}

/**
 * Faults that let the request run normally (a valid submit/sync is created and billed) and
 * then spoil what goes back. The others replace the request before anything is done.
 */
export type DeliveryFault =
  | Extract<FaultKind, "drop-after-accept" | "truncate" | "stall" | "malformed">
  | Extract<FaultKind, { trickle: unknown }>;

export function isDeliveryFault(kind: FaultKind): kind is DeliveryFault {
  if (typeof kind === "object") return "trickle" in kind;
  return kind === "drop-after-accept" || kind === "truncate" || kind === "stall" || kind === "malformed";
}

export class FaultQueue {
  private readonly pending: { route: Fault["route"]; kind: FaultKind; remaining: number }[] = [];

  add(fault: Fault): void {
    const times = fault.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new Error(`Fault times must be a positive integer, got ${times}`);
    this.pending.push({ route: fault.route, kind: fault.kind, remaining: times });
  }

  /** Forgets every queued fault, used or not. */
  clear(): void {
    this.pending.length = 0;
  }

  /** Takes one use of the first fault queued for this route (or for "any"). */
  take(route: FaultRoute): FaultKind | undefined {
    const index = this.pending.findIndex((fault) => fault.route === route || fault.route === "any");
    const fault = this.pending[index];
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.pending.splice(index, 1);
    return fault.kind;
  }
}
