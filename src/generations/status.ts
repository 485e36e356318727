/** A generation's life: each arrow is one database write plus one event row. */
export const GENERATION_STATUSES = [
  "QUEUED", // recorded, waiting for a worker slot (or a scheduled retry)
  "SUBMITTING", // a billed submit is on the wire; no upstream id yet
  "SUBMITTED", // Segmind accepted it (upstream id recorded) and has it queued
  "RUNNING", // Segmind reports it processing
  "STORING", // output ready upstream; the gateway is copying it into its media store
  "SUCCEEDED",
  "FAILED",
  "CANCELED", // cancelGeneration: the gateway stopped working on it (Segmind has no cancel)
  "EXPIRED", // its deadline passed before it finished
] as const;

export type GenerationStatus = (typeof GENERATION_STATUSES)[number];

export const TERMINAL_STATUSES: ReadonlySet<GenerationStatus> = new Set(["SUCCEEDED", "FAILED", "CANCELED", "EXPIRED"]);

export const RESOLUTIONS = ["480p", "720p"] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

export const DURATIONS = [5, 10] as const;
export type Duration = (typeof DURATIONS)[number];

export type SeedSource = "CLIENT" | "GATEWAY";

export type GenerationEventType = "STATUS_CHANGED" | "UPSTREAM_CALL" | "RETRY_SCHEDULED" | "WAITING_FOR_UPSTREAM" | "NOTE";
