import type { LedgerAmounts } from "./holds";

/**
 * The HOLDs this process placed (the admission's group commit), so the journal's transition
 * that settles one need not read the generation's ledger first. What makes that safe: a
 * generation's ledger changes only in the transition that closes its hold (closeHold), which
 * goes into STORING or a final status, and a row never leaves those for an earlier status. So a
 * transition whose guarded update moved the row out of any status before STORING finds the
 * ledger exactly as the accept wrote it: this HOLD alone. Out of STORING the journal reads (or
 * takes what it saw closed). Bounded: past `max` generations everything is dropped (a miss only
 * costs the read the transition always did).
 */
export class PlacedHolds {
  private readonly amounts = new Map<string, number>();

  constructor(private readonly max = 50_000) {}

  /** After the commit that placed it: `amountUsd` as written to the HOLD entry. */
  remember(generationId: string, amountUsd: number): void {
    if (this.amounts.size >= this.max) this.amounts.clear();
    this.amounts.set(generationId, amountUsd);
  }

  /** The ledger as placed, for a transition out of `from` before STORING; a new array each time (closeHold appends to it). */
  ledgerLeaving(generationId: string, from: string): LedgerAmounts | undefined {
    if (from === "STORING") return undefined;
    const amountUsd = this.amounts.get(generationId);
    return amountUsd === undefined ? undefined : [{ kind: "HOLD", amountUsd }];
  }

  forget(generationId: string): void {
    this.amounts.delete(generationId);
  }
}
