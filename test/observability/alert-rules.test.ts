import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { databaseTargets } from "../support/databases";
import { type Harness, VALID_INPUT, localId, startHarness } from "../support/harness";
import { type Scrape, scrape } from "../support/metrics";

/**
 * docs/alerts/seedance-gateway.rules.yml, the example Prometheus rule file, checked the way
 * `promtool check rules` would (promtool is not installable here): its YAML shape, and that
 * every metric its expressions name is one a running gateway serves on /metrics. And
 * docs/OPERATIONS.md names every metric family, alert and access-log field there is.
 */
const ROOT = new URL("../../", import.meta.url);
const RULES_TEXT = readFileSync(new URL("docs/alerts/seedance-gateway.rules.yml", ROOT), "utf8");
const OPERATIONS = readFileSync(new URL("docs/OPERATIONS.md", ROOT), "utf8");
const [sqlite] = databaseTargets();

/** Series Prometheus makes itself, not the gateway. */
const PROMETHEUS_OWN = new Set(["up"]);
const PROMQL_WORDS = new Set(["and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right", "inf", "nan"]);
const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;
const NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

interface Rule {
  alert?: unknown;
  record?: unknown;
  expr?: unknown;
  for?: unknown;
  keep_firing_for?: unknown;
  labels?: unknown;
  annotations?: unknown;
}

const rules = (): Rule[] => (parse(RULES_TEXT) as { groups: { rules: Rule[] }[] }).groups.flatMap((group) => group.rules);

/** The metric names a PromQL expression selects: identifiers that are not functions, keywords or label names. */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const names = [...stripped.matchAll(/(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)].map((match) => match[1]!);
  return [...new Set(names.filter((name) => !PROMQL_WORDS.has(name.toLowerCase())))];
}

/** Whether a series name is exposed: a declared family, or a histogram's _bucket/_sum/_count. */
function exposed(metrics: Scrape, name: string): boolean {
  if (metrics.families.has(name)) return true;
  const base = name.replace(/_(bucket|sum|count)$/, "");
  return base !== name && metrics.text.includes(`# TYPE ${base} histogram`);
}

describe("the example alerting rules", () => {
  it("have Prometheus's rule-file shape: groups[].rules[] with alert, expr, for, labels, annotations", () => {
    const file = parse(RULES_TEXT) as Record<string, unknown>;
    expect(Object.keys(file)).toEqual(["groups"]);
    const groups = file.groups as Array<Record<string, unknown>>;
    expect(groups.length).toBeGreaterThan(0);
    const groupNames = new Set<string>();
    const alertNames = new Set<string>();
    for (const group of groups) {
      expect(Object.keys(group).every((key) => ["name", "interval", "limit", "rules"].includes(key)), JSON.stringify(Object.keys(group))).toBe(true);
      expect(typeof group.name).toBe("string");
      expect(groupNames.has(group.name as string), `group ${group.name} twice`).toBe(false);
      groupNames.add(group.name as string);
      const groupRules = group.rules as Rule[];
      expect(Array.isArray(groupRules) && groupRules.length > 0, `group ${group.name} has rules`).toBe(true);
      for (const rule of groupRules) {
        const where = `${group.name}/${String(rule.alert)}`;
        expect(Object.keys(rule).every((key) => ["alert", "expr", "for", "keep_firing_for", "labels", "annotations"].includes(key)), where).toBe(true);
        expect(typeof rule.alert === "string" && NAME.test(rule.alert), where).toBe(true);
        expect(alertNames.has(rule.alert as string), `${where} twice`).toBe(false);
        alertNames.add(rule.alert as string);
        expect(typeof rule.expr === "string" && rule.expr.trim().length > 0, where).toBe(true);
        expect(balanced(rule.expr as string), `${where}: brackets`).toBe(true);
        expect(typeof rule.for === "string" && DURATION.test(rule.for), `${where}: for`).toBe(true);
        const labels = rule.labels as Record<string, unknown>;
        expect(Object.entries(labels).every(([key, value]) => NAME.test(key) && !key.startsWith("__") && typeof value === "string"), where).toBe(true);
        expect(["page", "ticket", "info"], where).toContain(labels.severity);
        const annotations = rule.annotations as Record<string, unknown>;
        expect(Object.entries(annotations).every(([key, value]) => NAME.test(key) && typeof value === "string"), where).toBe(true);
        for (const text of [annotations.summary, annotations.description]) {
          expect(typeof text === "string" && text.length > 0, `${where}: summary and description`).toBe(true);
          expect((text as string).split("{{").length, `${where}: template braces`).toBe((text as string).split("}}").length);
        }
      }
    }
  });

  it("cover what an operator must hear about: queue age, 429 rate, spend per team, balance low", () => {
    const exprs = rules().map((rule) => rule.expr as string);
    for (const metric of [
      "seedance_gateway_queue_oldest_age_seconds",
      "seedance_gateway_upstream_rate_limited_total",
      "seedance_gateway_spend_usd_total",
      "seedance_gateway_segmind_balance_credits",
    ]) {
      expect(exprs.some((expr) => metricNames(expr).includes(metric)), metric).toBe(true);
    }
    expect(rules().find((rule) => metricNames(rule.expr as string).includes("seedance_gateway_spend_usd_total"))?.expr).toMatch(/by \(team\)/);
  });

  it("reads metric names out of PromQL", () => {
    expect(metricNames('sum by (le) (rate(a_bucket{type!="subscription"}[5m])) / sum(rate(b_total[5m])) > 0.05')).toEqual(["a_bucket", "b_total"]);
    expect(metricNames("deriv(max(q)[15m:1m]) > 0 and max by (state) (c{state!=\"closed\"}) == 1")).toEqual(["q", "c"]);
    expect(metricNames("predict_linear(x[6h], 24 * 3600) < 0")).toEqual(["x"]);
  });
});

describe("against a running gateway's /metrics", () => {
  let harness: Harness;
  let metrics: Scrape;

  beforeAll(async () => {
    harness = await startHarness(sqlite!, { creditsCacheTtlMs: 0 });
    const url = await harness.listen();
    // One generation through to its end and a balance read, so every family has spoken.
    const made = await harness.generate({ ...VALID_INPUT, seed: 3 });
    await harness.waitForStatus(localId(made.generation.id), ["SUCCEEDED"]);
    await harness.gql("{ credits { balance { credits } } }");
    metrics = await scrape(url);
  });
  afterAll(() => harness?.close());

  it("every metric the rules name is served", () => {
    const missing = rules().flatMap((rule) =>
      metricNames(rule.expr as string)
        .filter((name) => !PROMETHEUS_OWN.has(name) && !exposed(metrics, name))
        .map((name) => `${String(rule.alert)}: ${name}`),
    );
    expect(missing).toEqual([]);
  });

  it("docs/OPERATIONS.md names every gateway metric family, every alert and every access-log field", () => {
    const families = [...metrics.families].filter((name) => name.startsWith("seedance_gateway_"));
    expect(families.length).toBeGreaterThan(15);
    expect(families.filter((name) => !OPERATIONS.includes(`\`${name}\``))).toEqual([]);
    expect(rules().map((rule) => rule.alert as string).filter((alert) => !OPERATIONS.includes(`\`${alert}\``))).toEqual([]);
    const accessLine = harness.logs.map((line) => JSON.parse(line)).find((line) => line.message === "request" && line.path === "/metrics");
    const fields = Object.keys(accessLine ?? {}).filter((key) => !["level", "time", "message"].includes(key));
    expect(fields.length).toBeGreaterThan(5);
    expect(fields.filter((field) => !OPERATIONS.includes(`\`${field}\``))).toEqual([]);
    for (const path of ["/healthz", "/readyz", "/metrics", "/graphql", "/studio", "/media/generations/"]) {
      expect(OPERATIONS, path).toContain(path);
    }
  });
});

function balanced(text: string): boolean {
  const stack: string[] = [];
  const pairs: Record<string, string> = { ")": "(", "]": "[", "}": "{" };
  for (const char of text.replace(/"(?:[^"\\]|\\.)*"/g, "")) {
    if ("([{".includes(char)) stack.push(char);
    else if (char in pairs && stack.pop() !== pairs[char]) return false;
  }
  return stack.length === 0;
}
