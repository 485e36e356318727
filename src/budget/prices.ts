import { DURATIONS, type Duration, RESOLUTIONS, type Resolution } from "../generations/status";

/**
 * What a generation is expected to cost before anything goes upstream: the budget hold.
 * Segmind prices Seedance 1.0 Lite per output shape (resolution and duration) and reports the
 * real charge afterwards (`x-cost`, or the v2 result metrics); the hold is settled to that.
 */
export type PriceKey = `${Resolution}:${Duration}`;
export type PriceTable = Readonly<Record<PriceKey, number>>;

/** PRICE_TABLE_USD's default: Segmind's list prices for this model, in dollars. */
export const DEFAULT_PRICE_TABLE_TEXT = "480p:5=0.091,480p:10=0.182,720p:5=0.225,720p:10=0.45";

/** The same table, parsed (a test checks the two agree). */
export const DEFAULT_PRICE_TABLE: PriceTable = Object.freeze({
  "480p:5": 0.091,
  "480p:10": 0.182,
  "720p:5": 0.225,
  "720p:10": 0.45,
});

export const PRICE_KEYS: readonly PriceKey[] = RESOLUTIONS.flatMap((resolution) =>
  DURATIONS.map((duration) => `${resolution}:${duration}` as PriceKey),
);

/**
 * Parses `480p:5=0.091,720p:10=0.45,...`. Shapes not named keep their default price, so an
 * operator can override one; unknown shapes, repeats and prices that are not a finite number
 * from 0 to 100 are refused with a message naming the entry.
 */
export function parsePriceTable(text: string): PriceTable {
  const table: Record<PriceKey, number> = { ...DEFAULT_PRICE_TABLE };
  const seen = new Set<string>();
  for (const raw of text.split(",")) {
    const entry = raw.trim();
    if (entry === "") continue;
    const match = /^([^=\s]+)\s*=\s*(\S+)$/.exec(entry);
    if (!match) throw new Error(`"${entry}" is not <resolution>:<seconds>=<dollars>`);
    const key = match[1] as string;
    if (!(PRICE_KEYS as readonly string[]).includes(key)) {
      throw new Error(`"${key}" is not a known shape; known: ${PRICE_KEYS.join(", ")}`);
    }
    if (seen.has(key)) throw new Error(`"${key}" is priced twice`);
    seen.add(key);
    const price = Number(match[2]);
    if (!/^\d+(\.\d+)?$/.test(match[2] as string) || !Number.isFinite(price) || price > 100) {
      throw new Error(`the price of ${key} must be a dollar amount from 0 to 100, got "${match[2]}"`);
    }
    table[key as PriceKey] = price;
  }
  return Object.freeze(table);
}

/** The hold for one generation of this shape, in dollars. */
export function estimateCostUsd(table: PriceTable, resolution: Resolution, duration: Duration): number {
  const price = table[`${resolution}:${duration}`];
  if (price === undefined) throw new Error(`No price for ${resolution}:${duration}`);
  return price;
}
