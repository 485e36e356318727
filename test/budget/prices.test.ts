import { describe, expect, it } from "vitest";
import { holdOutcome, mayCloseHold } from "../../src/budget/holds";
import { budgetWindows, firstExceeded } from "../../src/budget/ledger";
import {
  DEFAULT_PRICE_TABLE,
  DEFAULT_PRICE_TABLE_TEXT,
  estimateCostUsd,
  parsePriceTable,
} from "../../src/budget/prices";
import { ConfigError, loadConfig } from "../../src/config";

describe("price table", () => {
  it("estimates every shape from Segmind's list prices by default", () => {
    expect(parsePriceTable(DEFAULT_PRICE_TABLE_TEXT)).toEqual(DEFAULT_PRICE_TABLE);
    expect(estimateCostUsd(DEFAULT_PRICE_TABLE, "480p", 5)).toBe(0.091);
    expect(estimateCostUsd(DEFAULT_PRICE_TABLE, "480p", 10)).toBe(0.182);
    expect(estimateCostUsd(DEFAULT_PRICE_TABLE, "720p", 5)).toBe(0.225);
    expect(estimateCostUsd(DEFAULT_PRICE_TABLE, "720p", 10)).toBe(0.45);
    expect(loadConfig({}).PRICE_TABLE_USD).toEqual(DEFAULT_PRICE_TABLE);
  });

  it("overrides the shapes it names and keeps the others", () => {
    const table = loadConfig({ PRICE_TABLE_USD: " 720p:10 = 0.5 , 480p:5=0.1" }).PRICE_TABLE_USD;
    expect(table).toEqual({ "480p:5": 0.1, "480p:10": 0.182, "720p:5": 0.225, "720p:10": 0.5 });
  });

  it.each([
    ["1080p:5=0.9", /not a known shape/],
    ["480p:5=0.1,480p:5=0.2", /priced twice/],
    ["480p:5=-1", /dollar amount/],
    ["480p:5=abc", /dollar amount/],
    ["480p:5=1000", /dollar amount/],
    ["480p:5", /resolution/],
  ])("refuses %s, naming the variable", (value, message) => {
    expect(() => loadConfig({ PRICE_TABLE_USD: value })).toThrow(ConfigError);
    expect(() => loadConfig({ PRICE_TABLE_USD: value })).toThrow(/PRICE_TABLE_USD/);
    expect(() => parsePriceTable(value)).toThrow(message);
  });
});

describe("hold outcomes (settle or release)", () => {
  const row = (patch: Record<string, unknown>) => ({
    status: "FAILED",
    costUsd: null,
    submittedAt: null,
    errorCode: null,
    ...patch,
  });
  const at = new Date("2026-03-01T00:00:00Z");

  it("settles to Segmind's reported cost as soon as it is known, final or not", () => {
    expect(holdOutcome(row({ status: "STORING", costUsd: 0.08, submittedAt: at }), 0.091)).toMatchObject({
      kind: "SETTLE",
      amountUsd: 0.08,
      basis: "REPORTED_COST",
    });
    expect(holdOutcome(row({ status: "CANCELED", costUsd: 0.2, submittedAt: at }), 0.091)?.amountUsd).toBe(0.2);
  });

  it("keeps the hold open while not final and no cost is known", () => {
    for (const status of ["QUEUED", "SUBMITTING", "SUBMITTED", "RUNNING", "STORING"]) {
      expect(holdOutcome(row({ status }), 0.091)).toBeNull();
    }
  });

  it("releases what Segmind provably did not bill", () => {
    for (const errorCode of ["UPSTREAM_REJECTED_INPUT", "INSUFFICIENT_CREDITS", "UPSTREAM_UNREACHABLE", "RATE_LIMITED"]) {
      expect(holdOutcome(row({ errorCode }), 0.091)).toMatchObject({ kind: "RELEASE", amountUsd: 0.091, basis: "UNBILLED" });
    }
    // Ran and failed: unbilled even though Segmind accepted it.
    expect(holdOutcome(row({ errorCode: "UPSTREAM_JOB_FAILED", submittedAt: at }), 0.091)?.kind).toBe("RELEASE");
    // Canceled or expired before Segmind accepted anything.
    expect(holdOutcome(row({ status: "CANCELED", errorCode: "CANCELED" }), 0.091)?.kind).toBe("RELEASE");
    expect(holdOutcome(row({ status: "EXPIRED", errorCode: "DEADLINE_EXCEEDED" }), 0.091)?.kind).toBe("RELEASE");
  });

  it("settles at the estimate what Segmind billed or may have billed without a reported cost", () => {
    const cases = [
      row({ status: "CANCELED", errorCode: "CANCELED", submittedAt: at }),
      row({ status: "EXPIRED", errorCode: "DEADLINE_EXCEEDED", submittedAt: at }),
      row({ errorCode: "UPSTREAM_DEADLINE_EXCEEDED", submittedAt: at }),
      row({ status: "SUCCEEDED", submittedAt: at }),
      row({ errorCode: "SUBMIT_OUTCOME_UNKNOWN" }),
      row({ errorCode: "SUBMIT_INTERRUPTED" }),
    ];
    for (const generation of cases) {
      expect(holdOutcome(generation, 0.091)).toMatchObject({ kind: "SETTLE", amountUsd: 0.091, basis: "ESTIMATE" });
    }
  });

  it("only final transitions or a reported cost may close a hold", () => {
    expect(mayCloseHold("SUCCEEDED", {})).toBe(true);
    expect(mayCloseHold("STORING", { costUsd: 0.1 })).toBe(true);
    expect(mayCloseHold("STORING", { costUsd: null })).toBe(false);
    expect(mayCloseHold("RUNNING", {})).toBe(false);
  });
});

describe("budget windows and limits", () => {
  it("uses calendar UTC days and months", () => {
    const windows = budgetWindows(new Date("2026-12-31T23:59:59.999Z"));
    expect(windows.dayStart.toISOString()).toBe("2026-12-31T00:00:00.000Z");
    expect(windows.dayEnd.toISOString()).toBe("2027-01-01T00:00:00.000Z");
    expect(windows.monthStart.toISOString()).toBe("2026-12-01T00:00:00.000Z");
    expect(windows.monthEnd.toISOString()).toBe("2027-01-01T00:00:00.000Z");
    expect(windows.minuteStart.toISOString()).toBe("2026-12-31T23:58:59.999Z");
  });

  it("lets a request fill a dollar limit exactly, despite binary floats", () => {
    const windows = budgetWindows(new Date());
    const limits = { dailyLimitUsd: 0.3, monthlyLimitUsd: null, maxConcurrent: null, requestsPerMinute: null };
    const usage = (spent: number, held: number) => ({
      spentTodayUsd: spent,
      spentThisMonthUsd: spent,
      heldUsd: held,
      activeGenerations: 0,
      requestsInLastMinute: 0,
    });
    // 0.1 + 0.2 is 0.30000000000000004 in binary floating point.
    expect(firstExceeded("TEAM", limits, usage(0.1, 0), 0.2, windows)).toBeNull();
    expect(firstExceeded("TEAM", limits, usage(0.1, 0.1), 0.2, windows)).toMatchObject({
      limit: "DAILY_USD",
      used: 0.2,
      spentUsd: 0.1,
      heldUsd: 0.1,
      estimateUsd: 0.2,
      resetsAt: windows.dayEnd,
    });
  });
});
