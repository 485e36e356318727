import { EVENT_COLUMNS } from "./event-rows";
import { type ColumnMap, selectionReader } from "./selected-columns";

/** Every column of an event, in table order: its id, then those it is written with (event-rows.ts). */
export type EventColumn = "id" | (typeof EVENT_COLUMNS)[number][0];
export const EVENT_COLUMN_NAMES: readonly EventColumn[] = ["id", ...EVENT_COLUMNS.map(([column]) => column)];

/**
 * Which GenerationEvent columns a query's `events { ... }` selects, so a history page reads
 * only those (issue 8: a generation carries ~16 events, and every page paid for all 13
 * columns of each, the long messages and timestamps included, whatever it asked for).
 */
const EVENT_FIELDS: ColumnMap<EventColumn> = {
  sequence: ["id"],
  type: ["type"],
  at: ["createdAt"],
  fromStatus: ["fromStatus"],
  toStatus: ["toStatus"],
  method: ["method"],
  path: ["path"],
  httpStatus: ["httpStatus"],
  durationMs: ["durationMs"],
  attempt: ["attempt"],
  errorCode: ["errorCode"],
  message: ["message"],
};

/** The columns `info`'s field (an `events` list of GenerationEvent) selects, in table order; always the grouping key and the order. */
export const selectedEventColumns = selectionReader(EVENT_FIELDS, ["id", "generationId"], (wanted) =>
  wanted ? EVENT_COLUMN_NAMES.filter((column) => wanted.has(column)) : EVENT_COLUMN_NAMES,
);
