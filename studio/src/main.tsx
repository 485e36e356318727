import { render } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { AccountPage } from "./account";
import { readKey, storeKey } from "./api";
import { CreatePage } from "./create";
import { DetailPage } from "./detail";
import { usd } from "./format";
import { GalleryPage } from "./gallery";
import { refreshSession, useSession } from "./session";
import { type LiveState, onFinal, startLiveUpdates } from "./store";

/**
 * seedance studio: the gateway's reference client, served by the gateway at /studio and
 * built only on its public GraphQL API. Routes live in the fragment (#/, #/gallery,
 * #/account, #/g/<id>), so the page is one static file set and never puts the key in a URL.
 */

type Route = { page: "create" } | { page: "gallery" } | { page: "account" } | { page: "detail"; id: string; section: string | null };

function routeOf(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  if (parts[0] === "gallery") return { page: "gallery" };
  if (parts[0] === "account") return { page: "account" };
  if (parts[0] === "g" && parts[1]) return { page: "detail", id: parts[1], section: parts[2] ?? null };
  return { page: "create" };
}

function App() {
  const [route, setRoute] = useState(() => routeOf(location.hash));
  const [keyVersion, setKeyVersion] = useState(0);
  const [keyError, setKeyError] = useState("");
  const [live, setLive] = useState<LiveState>("connecting");
  const session = useSession();
  const main = useRef<HTMLElement>(null);

  useEffect(() => {
    const changed = () => {
      setRoute(routeOf(location.hash));
      main.current?.focus();
    };
    addEventListener("hashchange", changed);
    return () => removeEventListener("hashchange", changed);
  }, []);

  useEffect(() => {
    void refreshSession();
    return startLiveUpdates(setLive);
  }, [keyVersion]);

  // A generation that ended moved the budget: read it again (once per end, never on a timer).
  useEffect(() => onFinal(() => void refreshSession()), []);

  useEffect(() => {
    const error = session.error;
    if (error && (error.code === "UNAUTHENTICATED" || error.code === "FORBIDDEN")) setKeyError(error.message);
  }, [session.error]);

  const credits = session.credits;
  return (
    <>
      <a class="skip" href="#main" onClick={(event) => (event.preventDefault(), main.current?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <div class="brand">
          <h1>seedance studio</h1>
          <p class="hint">
            {credits?.upstream === "sandbox" ? "Sandbox mode: the built-in Segmind stand-in. " : ""}
            Segmind balance: {credits?.balance ? usd(credits.balance.credits) : "–"} · updates:{" "}
            <span class={`live live-${live}`} role="status">
              {live}
            </span>
          </p>
        </div>
        <nav aria-label="Studio">
          <a href="#/" aria-current={route.page === "create" ? "page" : undefined}>
            Create
          </a>
          <a href="#/gallery" aria-current={route.page === "gallery" ? "page" : undefined}>
            Gallery
          </a>
          <a href="#/account" aria-current={route.page === "account" ? "page" : undefined}>
            Budget
          </a>
          <a href="/graphql">GraphiQL</a>
        </nav>
        <KeyField
          sandbox={credits?.upstream === "sandbox"}
          error={keyError}
          onSaved={() => {
            setKeyError("");
            setKeyVersion((version) => version + 1);
          }}
        />
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {route.page === "create" && <CreatePage onKeyRefused={setKeyError} />}
        {route.page === "gallery" && <GalleryPage key={keyVersion} />}
        {route.page === "account" && <AccountPage key={keyVersion} />}
        {route.page === "detail" && <DetailPage key={`${route.id}:${keyVersion}`} id={route.id} section={route.section} />}
      </main>
    </>
  );
}

/** The API key: kept in sessionStorage for this tab only, sent as a header, never in a URL. */
function KeyField({ sandbox, error, onSaved }: { sandbox: boolean; error: string; onSaved: () => void }) {
  const [value, setValue] = useState(readKey);
  const [shown, setShown] = useState(false);
  const [saved, setSaved] = useState("");
  const save = (event: Event) => {
    event.preventDefault();
    storeKey(value.trim());
    setSaved(value.trim() ? "Key saved for this tab." : "Key removed: requests are anonymous.");
    onSaved();
  };
  return (
    <form class="key" onSubmit={save} noValidate>
      <label for="api-key">API key</label>
      <input
        id="api-key"
        type={shown ? "text" : "password"}
        autoComplete="off"
        spellcheck={false}
        placeholder={sandbox ? "none needed in sandbox mode" : "sgw_live_…"}
        value={value}
        onInput={(e) => setValue(e.currentTarget.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? "api-key-error" : "api-key-hint"}
      />
      <button type="button" class="secondary" aria-pressed={shown} onClick={() => setShown(!shown)}>
        {shown ? "Hide" : "Show"}
      </button>
      <button type="submit">Use key</button>
      <p id="api-key-hint" class="hint">
        Kept in this tab only (sessionStorage).{sandbox ? " Leave empty to work anonymously." : ""} <span role="status">{saved}</span>
      </p>
      {error && (
        <p id="api-key-error" class="field-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

render(<App />, document.getElementById("app") as HTMLElement);
