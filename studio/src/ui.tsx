import { useEffect, useRef, useState } from "preact/hooks";
import { type Card, isFinal } from "./store";
import { STATUS_TEXT, timeLeft } from "./format";

/** A disclosure with a ready-made GraphQL snippet of a request, and a button that copies it. */
export function Snippet({ text, label = "GraphQL of this request" }: { text: string; label?: string }) {
  const [copied, setCopied] = useState("");
  const pre = useRef<HTMLPreElement>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied("Copied to the clipboard.");
    } catch {
      // No clipboard access (an insecure origin, a denied permission): select it for Ctrl+C.
      const selection = getSelection();
      if (pre.current && selection) {
        selection.selectAllChildren(pre.current);
        setCopied("Selected: press Ctrl+C (⌘C) to copy.");
      }
    }
  };
  return (
    <details class="snippet">
      <summary>{label}</summary>
      <button type="button" class="secondary" onClick={copy}>
        Copy snippet
      </button>
      <span class="hint" role="status">
        {copied}
      </span>
      <pre ref={pre} tabIndex={0} aria-label={label}>
        {text}
      </pre>
    </details>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge status-${status.toLowerCase()}`}>{STATUS_TEXT[status] ?? status}</span>;
}

/**
 * The server's progress (synthesized from recent upstream times, 1 only on success), moved on
 * between updates toward its ETA by a local timer: an animation, never a request.
 */
export function Progress({ card }: { card: Card }) {
  const [now, setNow] = useState(() => performance.now());
  // What this bar has shown: a new server value below the animation does not pull it back.
  const shown = useRef(0);
  const active = !isFinal(card.status);
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(performance.now()), 500);
    return () => clearInterval(timer);
  }, [active]);

  let value = card.progress;
  if (active && card.estimatedCompletionAt) {
    // What was left when the update arrived, and how much of it has passed since.
    const elapsed = now - card.receivedAt;
    const leftAtArrival = Date.parse(card.estimatedCompletionAt) - (Date.now() - elapsed);
    const share = leftAtArrival > 0 ? elapsed / leftAtArrival : 1;
    value = Math.min(0.99, card.progress + (1 - card.progress) * Math.min(0.95, Math.max(0, share)));
  }
  value = Math.max(value, shown.current);
  shown.current = value;
  const percent = Math.round(value * 100);
  const eta = active ? timeLeft(card.estimatedCompletionAt) : null;
  const id = `progress-${card.id}`;
  return (
    <div class="progress">
      <label for={id}>
        <StatusBadge status={card.status} /> <span class="percent">{percent}%</span>
        {card.queuePosition != null && <span class="queue"> · #{card.queuePosition} in the queue</span>}
        {eta && <span class="eta"> · {eta}</span>}
      </label>
      <progress id={id} max={1} value={value} aria-valuetext={`${percent}%, ${STATUS_TEXT[card.status] ?? card.status}`} />
    </div>
  );
}

export function FieldError({ id, message }: { id: string; message?: string }) {
  if (!message) return null;
  return (
    <p id={id} class="field-error" role="alert">
      {message}
    </p>
  );
}
