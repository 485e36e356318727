import { useEffect, useState } from "preact/hooks";
import { execute, snippet } from "./api";
import { STATUS_TEXT } from "./format";
import { type GenerationFilter, type GenerationStatus, StudioGalleryDocument, type StudioGalleryQueryVariables } from "./gql/graphql";
import { upsert } from "./store";
import { Take } from "./take";
import { FieldError, Snippet } from "./ui";

/** The caller's generations, newest first, a page at a time (Relay cursors), with filters. */

const PAGE = 12;
const STATUSES = Object.keys(STATUS_TEXT) as GenerationStatus[];

interface Page {
  ids: string[];
  totalCount: number;
  endCursor: string | null;
  hasNextPage: boolean;
}

export function GalleryPage() {
  const [status, setStatus] = useState("");
  const [seed, setSeed] = useState("");
  const [text, setText] = useState("");
  const [filter, setFilter] = useState<GenerationFilter>({});
  const [page, setPage] = useState<Page | null>(null);
  const [error, setError] = useState("");
  const [seedError, setSeedError] = useState("");
  const [loading, setLoading] = useState(false);

  const load = async (after: string | null, previous: Page | null) => {
    setLoading(true);
    setError("");
    try {
      const variables: StudioGalleryQueryVariables = { first: PAGE, after, filter };
      const { generations } = await execute(StudioGalleryDocument, variables);
      const ids = generations.edges.map((edge) => {
        upsert(edge.node);
        return edge.node.id;
      });
      setPage({
        ids: [...(previous?.ids ?? []), ...ids],
        totalCount: generations.totalCount,
        endCursor: generations.pageInfo.endCursor ?? null,
        hasNextPage: generations.pageInfo.hasNextPage,
      });
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    void load(null, null);
  }, [filter]);

  const apply = (event: Event) => {
    event.preventDefault();
    const trimmed = seed.trim();
    if (trimmed !== "" && !/^\d+$/.test(trimmed)) {
      setSeedError("must be a whole number");
      return;
    }
    setSeedError("");
    setFilter({
      ...(status ? { status: [status as GenerationStatus] } : {}),
      ...(trimmed ? { seed: Number(trimmed) } : {}),
      ...(text.trim() ? { promptContains: text.trim() } : {}),
    });
  };

  return (
    <section class="panel" aria-labelledby="gallery-heading">
      <h2 id="gallery-heading">Gallery</h2>
      <form class="filters" onSubmit={apply} noValidate role="search" aria-label="Filter generations">
        <div class="field">
          <label for="filter-status">Status</label>
          <select id="filter-status" value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
            <option value="">Any</option>
            {STATUSES.map((value) => (
              <option key={value} value={value}>
                {STATUS_TEXT[value]}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="filter-seed">Seed</label>
          <input
            id="filter-seed"
            inputMode="numeric"
            value={seed}
            onInput={(e) => setSeed(e.currentTarget.value)}
            aria-invalid={seedError ? true : undefined}
            aria-describedby={seedError ? "filter-seed-error" : undefined}
          />
          <FieldError id="filter-seed-error" message={seedError} />
        </div>
        <div class="field">
          <label for="filter-text">Prompt contains</label>
          <input id="filter-text" type="search" value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </div>
        <div class="buttons">
          <button type="submit">Filter</button>
        </div>
      </form>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {page && (
        <p role="status">
          {page.totalCount === 0 ? "No generations match." : `Showing ${page.ids.length} of ${page.totalCount}.`}
        </p>
      )}
      <div class="takes gallery">
        {page?.ids.map((id) => (
          <Take key={id} id={id} showPrompt />
        ))}
      </div>
      {page?.hasNextPage && (
        <button type="button" class="secondary" disabled={loading} onClick={() => void load(page.endCursor, page)}>
          Load more
        </button>
      )}
      <Snippet text={snippet(StudioGalleryDocument, { first: PAGE, after: page?.endCursor ?? null, filter })} label="GraphQL of this list" />
    </section>
  );
}
