import { useState } from "preact/hooks";
import { execute } from "./api";
import { RESOLUTION_TEXT, seconds, usd } from "./format";
import { StudioCancelDocument } from "./gql/graphql";
import { regenerate } from "./runs";
import { isFinal, upsert, useCard } from "./store";
import { Progress, StatusBadge } from "./ui";

/**
 * One generation: live progress while it runs; then its video (seekable: the gateway serves
 * it with HTTP Range), seed, cost, latency and links to its manifest and event timeline.
 */
export function Take({ id, showPrompt = false }: { id: string; showPrompt?: boolean }) {
  const card = useCard(id);
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  if (!card) return null;

  const again = async () => {
    setBusy(true);
    const refusal = await regenerate(card.id);
    setBusy(false);
    if (refusal) setNote(refusal.budget ?? refusal.form ?? refusal.key ?? Object.values(refusal.fields).join("; "));
    else {
      setNote("");
      location.hash = "#/";
    }
  };
  const cancel = async () => {
    setBusy(true);
    try {
      const { cancelGeneration } = await execute(StudioCancelDocument, { id: card.id });
      if (cancelGeneration.__typename === "CancelGenerationPayload") upsert(cancelGeneration.generation);
      else setNote(cancelGeneration.message);
    } catch (error) {
      setNote(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  };

  const cost = card.costUsd != null ? usd(card.costUsd) : `~${usd(card.estimatedCostUsd)} (estimate)`;
  const titleId = `take-${card.id}`;
  return (
    <article class="take" aria-labelledby={titleId} data-generation-id={card.id} data-seed={card.seed} data-status={card.status}>
      <h3 id={titleId}>
        Seed {card.seed} <span class="shape">{RESOLUTION_TEXT[card.resolution] ?? card.resolution} · {card.duration} s</span>
      </h3>
      {showPrompt && <p class="prompt">{card.prompt}</p>}
      {card.status === "SUCCEEDED" && card.resultUrl ? (
        <>
          <video controls preload="metadata" playsInline src={card.resultUrl} aria-label={`Video, seed ${card.seed}`} />
          <p>
            <StatusBadge status={card.status} />
          </p>
        </>
      ) : isFinal(card.status) ? (
        <p class="failure">
          <StatusBadge status={card.status} /> <code>{card.errorCode}</code> {card.errorMessage}
        </p>
      ) : (
        <Progress card={card} />
      )}
      <dl class="facts">
        <div>
          <dt>Cost</dt>
          <dd>{cost}</dd>
        </div>
        <div>
          <dt>Latency</dt>
          <dd>{seconds(card.latencyMs)}</dd>
        </div>
        <div>
          <dt>Seed from</dt>
          <dd>{card.seedSource === "CLIENT" ? "you" : "the gateway"}</dd>
        </div>
      </dl>
      <p class="links">
        <a href={`#/g/${encodeURIComponent(card.id)}/manifest`}>Manifest</a>
        <a href={`#/g/${encodeURIComponent(card.id)}/events`}>Event timeline</a>
        {card.resultUrl && <a href={card.resultUrl}>Video file</a>}
      </p>
      <p class="actions">
        <button type="button" onClick={again} disabled={busy}>
          Regenerate, same seed
        </button>
        {!isFinal(card.status) && (
          <button type="button" class="secondary" onClick={cancel} disabled={busy}>
            Cancel
          </button>
        )}
      </p>
      {note && (
        <p class="field-error" role="alert">
          {note}
        </p>
      )}
    </article>
  );
}
