import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { LowBalanceAlerts } from "../../src/credits/low-balance";
import { createdId, generateAs, makeTeam } from "../budget/support";
import { describeEachDatabase } from "../support/databases";
import { type Harness, localId, startHarness } from "../support/harness";
import { type WebhookReceiver, startWebhookReceiver } from "../support/webhook-receiver";
import { addEndpoint, webhooksIdle } from "./support";

/**
 * Alert webhooks: budget.threshold (a team or key reached 80 % / 100 % of a daily or monthly
 * limit: once per window, at the hold or settlement that reached it, only to that team's
 * endpoints and the operators') and credits.low (operators' endpoints only, once until the
 * balance recovers). Real generations through the stand-in, real receivers on loopback.
 */
describeEachDatabase("webhooks: budget.threshold and credits.low", (target) => {
  let harness: Harness;
  // The gateway's clock runs offsetMs ahead of real time (to reach tomorrow's window).
  let offsetMs = 0;
  const receivers: WebhookReceiver[] = [];
  const receiver = async () => {
    const started = await startWebhookReceiver();
    receivers.push(started);
    return started;
  };

  beforeAll(async () => {
    harness = await startHarness(target, {
      clock: { now: () => new Date(Date.now() + offsetMs) },
      // The stand-in bills a 10 s 720p video above its list price (the estimate): its settlement grows spending.
      standInOptions: { balanceUsd: 5, prices: { "720p:10": 0.6 } },
      webhooks: { budgetThresholdsPercent: [80, 100], creditsLowUsd: 4.9 },
    });
  });
  afterEach(async () => {
    for (const started of receivers.splice(0)) await started.close();
  });
  afterAll(() => harness?.close());

  const finished = async (result: unknown, statuses: ReadonlyArray<"SUCCEEDED" | "FAILED"> = ["SUCCEEDED", "FAILED"]) => {
    const id = createdId(result);
    await harness.waitForStatus(id, [...statuses]);
    return id;
  };
  /** waitFor, and on a timeout says what the outbox and the alerts hold (a failure under load is then readable). */
  const arrive = async (hooks: WebhookReceiver, count: number, teamId: string | null) => {
    try {
      return await hooks.waitFor(count, 20_000);
    } catch (error) {
      const deliveries = await harness.db.webhookDelivery.findMany({ where: { teamId }, select: { eventType: true, status: true, attempts: true, lastError: true, createdAt: true } });
      const alerts = await harness.db.webhookAlert.findMany({ where: { teamId }, select: { key: true, createdAt: true } });
      throw new Error(`${(error as Error).message}; deliveries ${JSON.stringify(deliveries)}; alerts ${JSON.stringify(alerts)}`);
    }
  };
  const ofType = (hooks: WebhookReceiver, type: string) => hooks.received.filter((hook) => JSON.parse(hook.body).type === type);

  it("credits.low: operators' endpoints only, once until the balance recovers", async () => {
    const team = await makeTeam(harness.db);
    const [ops, teamHooks] = [await receiver(), await receiver()];
    const operator = await addEndpoint(harness, null, { url: ops.url, events: ["credits.low"] });
    ops.secrets.push(operator.secret);
    await addEndpoint(harness, team.teamId, { url: teamHooks.url, events: ["generation.succeeded", "budget.threshold"] });

    // Balance 5: after the first result 4.909 (above 4.9), after the second 4.818 (below), then 4.727.
    for (let n = 0; n < 3; n += 1) await finished(await generateAs(harness, team.key, { resolution: "SD_480P", duration: 5 }), ["SUCCEEDED"]);
    await ops.waitFor(1);
    await teamHooks.waitFor(3);
    await webhooksIdle(harness);
    expect(ops.received).toHaveLength(1);
    expect(ops.received[0]?.verifiedWith).toEqual([0]);
    expect(ops.received[0]?.payload).toMatchObject({
      type: "credits.low",
      data: { upstream: "sandbox", balanceUsd: 4.818, thresholdUsd: 4.9, source: "GENERATION_RESULT" },
    });
    expect(ofType(teamHooks, "credits.low")).toHaveLength(0);

    // Readings of another account: 6 (fine), 4 (low: alert), 3 (still low: nothing), 7 (recovered), 2 (low again: alert).
    const alerts = new LowBalanceAlerts({
      thresholdUsd: 5,
      upstream: "other-account",
      provider: target.provider,
      outbox: harness.gateway.services.webhooks.outbox,
    });
    for (const credits of [6, 4, 3, 7, 2]) await alerts.recordReading(harness.db, { credits, freeCredits: 0, readAt: new Date() });
    await ops.waitFor(3);
    await webhooksIdle(harness);
    const other = ops.received.slice(1).map((hook) => hook.payload.data);
    expect(other).toMatchObject([
      { upstream: "other-account", balanceUsd: 4, source: "BALANCE_READ" },
      { upstream: "other-account", balanceUsd: 2, source: "BALANCE_READ" },
    ]);
    expect(await harness.db.creditSnapshot.count({ where: { upstream: "other-account" } })).toBe(5);

    // Recovered (7), then six low readings at once: one alert.
    await alerts.recordReading(harness.db, { credits: 7, freeCredits: 0, readAt: new Date() });
    await Promise.all(Array.from({ length: 6 }, () => alerts.recordReading(harness.db, { credits: 1, freeCredits: 0, readAt: new Date() })));
    await ops.waitFor(4);
    await webhooksIdle(harness);
    expect(ops.received).toHaveLength(4);
  });

  it("concurrent requests reaching a threshold together: one alert per threshold, at the hold that reached it", async () => {
    // 0.91 = ten holds of 0.091: the 8th reaches 80 % (0.728), the 10th 100 %; two more are refused.
    const team = await makeTeam(harness.db, { dailyLimitUsd: 0.91 });
    const hooks = await receiver();
    await addEndpoint(harness, team.teamId, { url: hooks.url, events: ["budget.threshold"] });
    const results = await Promise.all(Array.from({ length: 12 }, () => generateAs(harness, team.key, { resolution: "SD_480P", duration: 5 })));
    expect(results.filter((result) => result.__typename === "GenerateVideoPayload")).toHaveLength(10);
    await arrive(hooks, 2, team.teamId);
    await webhooksIdle(harness);
    expect(hooks.received).toHaveLength(2);
    const seen = hooks.received.map((hook) => JSON.parse(hook.body).data).sort((x, y) => x.thresholdPercent - y.thresholdPercent);
    expect(seen).toMatchObject([
      { thresholdPercent: 80, usedUsd: 0.728 },
      { thresholdPercent: 100, usedUsd: 0.91 },
    ]);
    expect(await harness.db.webhookAlert.count({ where: { teamId: team.teamId } })).toBe(2);
  });

  it("budget.threshold fires at the hold that reaches 80 % and 100 %, once per day, and only to the team's endpoints", async () => {
    // Not across midnight UTC: the whole case lives in one day's window.
    const toMidnight = 86_400_000 - ((Date.now() + offsetMs) % 86_400_000);
    if (toMidnight < 60_000) await new Promise((resolve) => setTimeout(resolve, toMidnight + 1_000));
    // 0.455 = five 480p/5 s holds of 0.091: the 4th reaches 80 % (0.364), the 5th 100 %.
    const a = await makeTeam(harness.db, { dailyLimitUsd: 0.455 });
    const b = await makeTeam(harness.db, { dailyLimitUsd: 0.182 });
    const [hooksA, hooksB] = [await receiver(), await receiver()];
    hooksA.secrets.push((await addEndpoint(harness, a.teamId, { url: hooksA.url, events: ["budget.threshold"] })).secret);
    await addEndpoint(harness, b.teamId, { url: hooksB.url, events: ["budget.threshold", "generation.succeeded"] });
    const small = { resolution: "SD_480P", duration: 5 };

    await finished(await generateAs(harness, b.key, small)); // B at 50 %: nothing
    for (let n = 0; n < 3; n += 1) await generateAs(harness, a.key, small); // A at 60 %
    expect(hooksA.received).toHaveLength(0);
    // The 4th hold reaches 80 %; that generation then fails upstream, so its hold is released (60 % again).
    const fourth = createdId(await generateAs(harness, a.key, { ...small, prompt: "sandbox:fail this one" }));
    await arrive(hooksA, 1, a.teamId);
    await harness.waitForStatus(fourth, ["FAILED"]);
    // Back at 80 %: already alerted today, so nothing.
    await generateAs(harness, a.key, small);
    // 100 %.
    const sixth = createdId(await generateAs(harness, a.key, small));
    // Refused: writes nothing, alerts nothing.
    expect((await generateAs(harness, a.key, small)).__typename).toBe("BudgetExceededError");
    await arrive(hooksA, 2, a.teamId);
    await webhooksIdle(harness);

    expect(hooksA.received).toHaveLength(2);
    for (const hook of hooksA.received) expect(hook.verifiedWith).toEqual([0]);
    const [eighty, hundred] = hooksA.received.map((hook) => hook.payload);
    expect(eighty).toMatchObject({
      type: "budget.threshold",
      data: { scope: "TEAM", window: "DAILY", thresholdPercent: 80, limitUsd: 0.455, usedUsd: 0.364, team: { id: a.teamId }, key: null },
    });
    expect(localId(eighty.data.generationId)).toBe(fourth);
    expect(hundred).toMatchObject({ data: { scope: "TEAM", window: "DAILY", thresholdPercent: 100, usedUsd: 0.455 } });
    expect(localId(hundred.data.generationId)).toBe(sixth);
    expect(Date.parse(hundred.data.resetsAt) - Date.parse(hundred.data.windowStart)).toBe(86_400_000);
    // Written with the hold that reached it: the same transaction, the same instant.
    const hold = await harness.db.ledgerEntry.findFirstOrThrow({ where: { generationId: fourth, kind: "HOLD" } });
    const delivery = await harness.db.webhookDelivery.findFirstOrThrow({ where: { teamId: a.teamId, eventType: "budget.threshold" }, orderBy: { id: "asc" } });
    expect(delivery.createdAt).toEqual(hold.createdAt);
    // B's endpoint: its own generation only, never A's alerts.
    expect(ofType(hooksB, "budget.threshold")).toHaveLength(0);

    // Tomorrow is a new window: the 4th hold of the day reaches 80 % again and alerts again.
    for (const id of await harness.db.generation.findMany({ where: { teamId: a.teamId }, select: { id: true } })) {
      await harness.waitForStatus(id.id, ["SUCCEEDED", "FAILED"]);
    }
    offsetMs += 86_400_000;
    for (let n = 0; n < 4; n += 1) await generateAs(harness, a.key, small);
    await arrive(hooksA, 3, a.teamId);
    await webhooksIdle(harness);
    expect(hooksA.received).toHaveLength(3);
    // (Its webhook-timestamp is a day ahead of the receiver's clock, so only its body is read here.)
    const tomorrow = JSON.parse(hooksA.received[2]?.body ?? "{}");
    expect(tomorrow.data).toMatchObject({ window: "DAILY", thresholdPercent: 80, usedUsd: 0.364 });
    expect(Date.parse(tomorrow.data.windowStart)).toBe(Date.parse(eighty.data.windowStart) + 86_400_000);
  });

  it("a settlement above its estimate can cross a key's monthly threshold; the alert is written with the settlement", async () => {
    // The key's own monthly limit 0.75: the hold (0.45, 60 %) crosses nothing, Segmind's cost (0.6, 80 %) does.
    const c = await makeTeam(harness.db, {}, { monthlyLimitUsd: 0.75 });
    const hooks = await receiver();
    await addEndpoint(harness, c.teamId, { url: hooks.url, events: ["budget.threshold"] });
    const id = await finished(await generateAs(harness, c.key, { resolution: "HD_720P", duration: 10 }), ["SUCCEEDED"]);
    await arrive(hooks, 1, c.teamId);
    await webhooksIdle(harness);
    expect(hooks.received).toHaveLength(1);
    const { data } = JSON.parse(hooks.received[0]?.body ?? "{}");
    expect(data).toMatchObject({ scope: "KEY", window: "MONTHLY", thresholdPercent: 80, limitUsd: 0.75, usedUsd: 0.6, spentUsd: 0.6, heldUsd: 0 });
    expect(data.key).toMatchObject({ id: c.keyId });
    expect(data.key.prefix).toMatch(/^[a-z0-9]+$/);
    expect(hooks.received[0]?.body).not.toMatch(/sgw_live_/);
    expect(localId(data.generationId)).toBe(id);
    const settle = await harness.db.ledgerEntry.findFirstOrThrow({ where: { generationId: id, kind: "SETTLE" } });
    const delivery = await harness.db.webhookDelivery.findFirstOrThrow({ where: { teamId: c.teamId, eventType: "budget.threshold" } });
    expect(delivery.createdAt).toEqual(settle.createdAt);
  });
});
