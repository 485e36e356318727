// One row per figure: its value, the floor it is compared with (measured in the same run),
// the issue's target and whether it is met. Rendered as one markdown table.
export interface Row {
  scenario: string;
  figure: string;
  value: string;
  floor?: string;
  /** value / floor (or the figure's own ratio, e.g. ours / Apollo). */
  ratio?: number;
  target?: string;
  pass?: boolean;
}

export class Report {
  readonly rows: Row[] = [];
  readonly notes: string[] = [];

  add(row: Row): void {
    // 0 req/s on either side (nothing completed in the run) makes no ratio.
    if (row.ratio !== undefined && !Number.isFinite(row.ratio)) row = { ...row, ratio: undefined };
    this.rows.push(row);
    process.stdout.write(`  ${row.scenario} | ${row.figure}: ${row.value}${row.ratio === undefined ? "" : ` (×${row.ratio.toFixed(2)})`}\n`);
  }

  note(text: string): void {
    this.notes.push(text);
  }

  table(): string {
    const lines = [
      "| scenario | figure | value | floor (same run) | ratio | target | pass |",
      "|---|---|---|---|---|---|---|",
    ];
    for (const row of this.rows) {
      const pass = row.pass === undefined ? "" : row.pass ? "✅" : "❌";
      const ratio = row.ratio === undefined ? "" : `${row.ratio.toFixed(2)}`;
      lines.push(`| ${row.scenario} | ${row.figure} | ${row.value} | ${row.floor ?? ""} | ${ratio} | ${row.target ?? ""} | ${pass} |`);
    }
    return lines.join("\n");
  }
}

export const fmt = {
  rps: (value: number) => `${Math.round(value).toLocaleString("en-US")} req/s`,
  ms: (value: number) => `${value < 10 ? value.toFixed(1) : Math.round(value).toLocaleString("en-US")} ms`,
  mib: (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`,
  mibps: (bytesPerS: number) => `${Math.round(bytesPerS / 1024 / 1024).toLocaleString("en-US")} MiB/s`,
  kib: (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`,
};

/** The q-quantile (0..1) of the values, nearest rank. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}
