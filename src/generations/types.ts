import type { Db } from "../db/client";

export type GenerationRow = Awaited<ReturnType<Db["generation"]["findUniqueOrThrow"]>>;
export type GenerationEventRow = Awaited<ReturnType<Db["generationEvent"]["findUniqueOrThrow"]>>;

/** Which upstream serves new generations; copied onto every record. */
export interface UpstreamTarget {
  /** "sandbox" (the built-in stand-in) or "segmind". */
  name: "sandbox" | "segmind";
  baseUrl: string;
  mode: "v2" | "v1";
  modelSlug: string;
}
