import { useEffect, useRef, useState } from "preact/hooks";
import { execute, snippet, subscribe } from "./api";
import { when } from "./format";
import {
  type EventFieldsFragment,
  StudioGenerationDocument,
  type StudioGenerationQuery,
  StudioRegenerateDocument,
  StudioTimelineDocument,
} from "./gql/graphql";
import { regenerate, sweepSeeds } from "./runs";
import { isFinal, noteSequence, upsert } from "./store";
import { Take } from "./take";
import { Snippet } from "./ui";

/** One generation: its take, its manifest, and its event timeline (live until it ends). */

type Generation = NonNullable<StudioGenerationQuery["generation"]>;

export function DetailPage({ id, section }: { id: string; section: string | null }) {
  const [generation, setGeneration] = useState<Generation | null>(null);
  const [events, setEvents] = useState<EventFieldsFragment[]>([]);
  const [error, setError] = useState("");
  const [note, setNote] = useState("");
  const focused = useRef(false);

  useEffect(() => {
    let stop: (() => void) | undefined;
    let current = true;
    focused.current = false;
    setGeneration(null);
    setEvents([]);
    (async () => {
      try {
        const { generation: found } = await execute(StudioGenerationDocument, { id });
        if (!current) return;
        if (!found) {
          setError("No generation with this id is visible to you.");
          return;
        }
        upsert(found);
        setGeneration(found);
        setEvents(found.events);
        const last = found.events.at(-1)?.sequence ?? 0;
        if (!isFinal(found.status)) {
          // The timeline after the last event read, then live (with progress ticks) until it ends.
          stop = subscribe(StudioTimelineDocument, { id, after: last }, {
            next: ({ generationUpdated: update }) => {
              noteSequence(update.sequence);
              upsert(update.generation, update);
              const event = update.event;
              if (event) setEvents((known) => (known.some((e) => e.sequence === event.sequence) ? known : [...known, event]));
            },
            error: () => undefined,
            complete: () => undefined,
          });
        }
      } catch (failure) {
        if (current) setError(failure instanceof Error ? failure.message : String(failure));
      }
    })();
    return () => {
      current = false;
      stop?.();
    };
  }, [id]);

  useEffect(() => {
    if (!generation || !section || focused.current) return;
    focused.current = true;
    const target = document.getElementById(section);
    target?.scrollIntoView();
    target?.focus();
  }, [generation, section]);

  if (error) {
    return (
      <section class="panel">
        <h2>Generation</h2>
        <p class="form-error" role="alert">
          {error}
        </p>
      </section>
    );
  }
  if (!generation) return <p role="status">Loading…</p>;

  const manifest = generation.manifest;
  const body = (() => {
    try {
      return JSON.stringify(JSON.parse(manifest.upstreamRequestBody), null, 2);
    } catch {
      return manifest.upstreamRequestBody;
    }
  })();
  const newSeed = async () => {
    const [seed] = sweepSeeds(1, null);
    const refusal = await regenerate(generation.id, seed);
    if (refusal) setNote(refusal.budget ?? refusal.form ?? refusal.key ?? Object.values(refusal.fields).join("; "));
    else location.hash = "#/";
  };

  return (
    <>
      <section class="panel" aria-labelledby="detail-heading">
        <h2 id="detail-heading">{generation.prompt}</h2>
        <div class="detail">
          <Take id={generation.id} />
        </div>
        <p class="actions">
          <button type="button" class="secondary" onClick={() => void newSeed()}>
            Regenerate with a new seed
          </button>
        </p>
        {note && (
          <p class="form-error" role="alert">
            {note}
          </p>
        )}
        {generation.derivations.length > 0 && (
          <p>
            Regenerated as:{" "}
            {generation.derivations.map((derived) => (
              <a key={derived.id} href={`#/g/${encodeURIComponent(derived.id)}`} class="chip">
                seed {derived.seed} ({derived.status.toLowerCase()})
              </a>
            ))}
          </p>
        )}
        {generation.derivedFrom && (
          <p>
            Made from <a href={`#/g/${encodeURIComponent(generation.derivedFrom.id)}`}>its source generation</a>.
          </p>
        )}
        <Snippet text={snippet(StudioGenerationDocument, { id: generation.id })} label="GraphQL: read this generation" />
        <Snippet text={snippet(StudioRegenerateDocument, { id: generation.id, overrides: null })} label="GraphQL: regenerate it (same seed)" />
      </section>
      <section class="panel" id="manifest" tabIndex={-1} aria-labelledby="manifest-heading">
        <h2 id="manifest-heading">Manifest</h2>
        <dl class="manifest">
          {(
            [
              ["Model", manifest.modelSlug],
              ["Upstream", `${manifest.upstream} (${manifest.upstreamMode})`],
              ["Seed", `${manifest.seed} (${manifest.seedSource === "CLIENT" ? "chosen by the client" : "drawn by the gateway"})`],
              ["Seed echoed by Segmind", manifest.upstreamSeed ?? "–"],
              ["First frame", manifest.imageUrl],
              ["First frame sha256", manifest.imageSha256 ?? "not fetched (see the timeline)"],
              ["Video sha256", manifest.videoSha256 ?? "–"],
              ["Video bytes", manifest.videoBytes ?? "–"],
              ["Gateway version", manifest.gatewayVersion ?? "–"],
              ["Created", when(manifest.createdAt)],
            ] as const
          ).map(([term, value]) => (
            <div key={term}>
              <dt>{term}</dt>
              <dd>{String(value)}</dd>
            </div>
          ))}
        </dl>
        <h3>Exact request sent to Segmind</h3>
        <pre tabIndex={0} aria-label="Upstream request body">
          {body}
        </pre>
      </section>
      <section class="panel" id="events" tabIndex={-1} aria-labelledby="events-heading">
        <h2 id="events-heading">Event timeline</h2>
        <div class="table-scroll" tabIndex={0}>
          <table>
            <caption class="visually-hidden">Every state change and upstream call, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">When</th>
                <th scope="col">What</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {events.map((event) => (
                <tr key={event.sequence}>
                  <td>{event.sequence}</td>
                  <td>{new Date(event.at).toLocaleTimeString()}</td>
                  <td>
                    {event.type === "STATUS_CHANGED" ? `${event.fromStatus ?? "–"} → ${event.toStatus ?? "–"}` : event.type}
                  </td>
                  <td>
                    {[
                      event.method && `${event.method} ${event.path ?? ""}`,
                      event.httpStatus != null && `HTTP ${event.httpStatus}`,
                      event.durationMs != null && `${event.durationMs} ms`,
                      event.attempt != null && `attempt ${event.attempt}`,
                      event.errorCode,
                      event.message,
                    ]
                      .filter(Boolean)
                      .join(" · ")}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}
