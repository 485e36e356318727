import { useEffect, useState } from "preact/hooks";
import { execute, snippet } from "./api";
import { usd, when } from "./format";
import { type BudgetFieldsFragment, StudioLedgerDocument, type StudioLedgerQuery, StudioSessionDocument } from "./gql/graphql";
import { refreshSession, useSession } from "./session";
import { Snippet } from "./ui";

/** The team's budget and spending, its ledger, and what the Segmind account has left. */

type Ledger = StudioLedgerQuery["credits"]["ledger"];

export function AccountPage() {
  const session = useSession();
  const [ledger, setLedger] = useState<Ledger | null>(null);
  const [ledgerError, setLedgerError] = useState("");

  useEffect(() => {
    void refreshSession();
    execute(StudioLedgerDocument, { first: 20 })
      .then(({ credits }) => setLedger(credits.ledger))
      .catch((error: unknown) => setLedgerError(error instanceof Error ? error.message : String(error)));
  }, []);

  const credits = session.credits;
  return (
    <>
      <section class="panel" aria-labelledby="balance-heading">
        <h2 id="balance-heading">Segmind balance</h2>
        {session.error && (
          <p class="form-error" role="alert">
            {session.error.message}
          </p>
        )}
        {credits && (
          <dl class="facts wide">
            <div>
              <dt>Upstream</dt>
              <dd>{credits.upstream === "sandbox" ? "sandbox (the built-in Segmind stand-in)" : credits.upstream}</dd>
            </div>
            <div>
              <dt>Credits</dt>
              <dd>
                {credits.balance ? `${usd(credits.balance.credits)} (+ ${usd(credits.balance.freeCredits)} free)` : "unknown"}
              </dd>
            </div>
            <div>
              <dt>Read</dt>
              <dd>
                {credits.freshness.toLowerCase()}
                {credits.balance && `, ${when(credits.balance.readAt)}`}
                {credits.upstreamError && ` (${credits.upstreamError.code}: ${credits.upstreamError.message})`}
              </dd>
            </div>
            <div>
              <dt>Spent through this gateway</dt>
              <dd>
                {usd(credits.spentUsd)} on {credits.billedGenerations} videos
              </dd>
            </div>
          </dl>
        )}
      </section>
      <section class="panel" aria-labelledby="budget-heading">
        <h2 id="budget-heading">Budget and spending</h2>
        {credits && !credits.team && <p>Anonymous requests have no team and no budget.</p>}
        {credits?.team && <BudgetTable title={`Team ${credits.team.name}`} budget={credits.team.budget} />}
        {credits?.keyBudget && <BudgetTable title="This key" budget={credits.keyBudget} />}
        <Snippet text={snippet(StudioSessionDocument, {})} label="GraphQL of this page" />
      </section>
      <section class="panel" aria-labelledby="ledger-heading">
        <h2 id="ledger-heading">Ledger</h2>
        {ledgerError && <p class="hint">{ledgerError}</p>}
        {ledger && ledger.totalCount === 0 && <p>No entries yet.</p>}
        {ledger && ledger.totalCount > 0 && (
          <div class="table-scroll" tabIndex={0}>
            <table>
              <caption class="visually-hidden">Newest money movements first</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Amount</th>
                  <th scope="col">Basis</th>
                  <th scope="col">Generation</th>
                </tr>
              </thead>
              <tbody>
                {ledger.edges.map(({ node }) => (
                  <tr key={node.id}>
                    <td>{when(node.at)}</td>
                    <td>{node.kind}</td>
                    <td>{usd(node.amountUsd)}</td>
                    <td>{node.basis}</td>
                    <td>
                      {node.generation ? <a href={`#/g/${encodeURIComponent(node.generation.id)}`}>seed {node.generation.seed}</a> : "–"}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}

function BudgetTable({ title, budget }: { title: string; budget: BudgetFieldsFragment }) {
  const rows: Array<[string, string]> = [
    ["Spent today", usd(budget.spentTodayUsd)],
    ["Daily limit", budget.dailyLimitUsd == null ? "none" : `${usd(budget.dailyLimitUsd)} (${usd(budget.remainingTodayUsd)} left)`],
    ["Spent this month", usd(budget.spentThisMonthUsd)],
    ["Monthly limit", budget.monthlyLimitUsd == null ? "none" : `${usd(budget.monthlyLimitUsd)} (${usd(budget.remainingThisMonthUsd)} left)`],
    ["Held for running videos", usd(budget.heldUsd)],
    ["Running now", `${budget.activeGenerations}${budget.maxConcurrent == null ? "" : ` of at most ${budget.maxConcurrent}`}`],
    ["Started in the last minute", `${budget.requestsInLastMinute}${budget.requestsPerMinute == null ? "" : ` of at most ${budget.requestsPerMinute}`}`],
    ["Day resets", when(budget.dayResetsAt)],
  ];
  return (
    <>
      <h3>{title}</h3>
      <dl class="facts wide">
        {rows.map(([term, value]) => (
          <div key={term}>
            <dt>{term}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </>
  );
}
