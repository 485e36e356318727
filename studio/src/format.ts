/** Dollars as Segmind prices them (tenths of a cent matter: $0.091). */
export function usd(value: number | null | undefined): string {
  if (value == null) return "–";
  return `$${value.toFixed(value !== 0 && Math.abs(value) < 1 ? 3 : 2)}`;
}

export function seconds(ms: number | null | undefined): string {
  if (ms == null) return "–";
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

/** "about 12 s left", from an ISO instant. */
export function timeLeft(iso: string | null | undefined, now = Date.now()): string | null {
  if (!iso) return null;
  const left = Date.parse(iso) - now;
  if (!Number.isFinite(left)) return null;
  if (left <= 1_000) return "any moment now";
  return `about ${seconds(left)} left`;
}

export function when(iso: string | null | undefined): string {
  if (!iso) return "–";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

export const STATUS_TEXT: Record<string, string> = {
  QUEUED: "Queued",
  SUBMITTING: "Submitting",
  SUBMITTED: "Submitted",
  RUNNING: "Running",
  STORING: "Storing",
  SUCCEEDED: "Succeeded",
  FAILED: "Failed",
  CANCELED: "Canceled",
  EXPIRED: "Expired",
};

export const RESOLUTION_TEXT: Record<string, string> = { SD_480P: "480p", HD_720P: "720p" };
