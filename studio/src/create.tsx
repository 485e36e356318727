import { useEffect, useState } from "preact/hooks";
import { execute } from "./api";
import { usd } from "./format";
import { type GenerateVideoInput, type Resolution, StudioEstimateDocument } from "./gql/graphql";
import { type Refusal, generate, sweep, sweepSeeds, useRuns } from "./runs";
import { type Credits, refreshSession, useSession } from "./session";
import { Take } from "./take";
import { FieldError, Snippet } from "./ui";

/** The form: every Seedance parameter, the cost estimate and the budget left, before sending. */

const NO_REFUSAL: Refusal = { fields: {} };
const estimates = new Map<string, Promise<number | null>>();

function estimate(duration: number, resolution: Resolution): Promise<number | null> {
  const key = `${duration}:${resolution}`;
  let cached = estimates.get(key);
  if (!cached) {
    cached = execute(StudioEstimateDocument, { duration, resolution })
      .then(({ estimateCost }) => (estimateCost.__typename === "CostEstimate" ? estimateCost.estimateUsd : null))
      .catch(() => {
        estimates.delete(key);
        return null;
      });
    estimates.set(key, cached);
  }
  return cached;
}

export function CreatePage({ onKeyRefused }: { onKeyRefused: (message: string) => void }) {
  const [prompt, setPrompt] = useState("A paper boat drifts across a rain puddle at dawn");
  const [imageUrl, setImageUrl] = useState("https://example.com/first-frame.png");
  const [duration, setDuration] = useState(5);
  const [resolution, setResolution] = useState<Resolution>("SD_480P");
  const [seed, setSeed] = useState("");
  const [cameraFixed, setCameraFixed] = useState(false);
  const [idempotencyKey, setIdempotencyKey] = useState("");
  const [deadline, setDeadline] = useState("");
  const [sweepCount, setSweepCount] = useState(4);
  const [refusal, setRefusal] = useState<Refusal>(NO_REFUSAL);
  const [sending, setSending] = useState(false);
  const [estimateUsd, setEstimateUsd] = useState<number | null>(null);
  const session = useSession();
  const runs = useRuns();

  useEffect(() => {
    let current = true;
    void estimate(duration, resolution).then((value) => current && setEstimateUsd(value));
    return () => {
      current = false;
    };
  }, [duration, resolution]);

  const fieldError = (field: string) => refusal.fields[field];
  const described = (field: string) => (fieldError(field) ? { "aria-invalid": true, "aria-describedby": `${field}-error` } : {});

  const input = (): GenerateVideoInput | null => {
    const trimmedSeed = seed.trim();
    if (trimmedSeed !== "" && !/^-?\d+$/.test(trimmedSeed)) {
      setRefusal({ fields: { seed: "must be a whole number (or empty: the gateway draws one)" } });
      return null;
    }
    const when = deadline ? new Date(deadline) : null;
    return {
      prompt,
      imageUrl,
      duration,
      resolution,
      cameraFixed,
      seed: trimmedSeed === "" ? null : Number(trimmedSeed),
      idempotencyKey: idempotencyKey.trim() === "" ? null : idempotencyKey.trim(),
      deadline: when && !Number.isNaN(when.getTime()) ? when.toISOString() : null,
    };
  };

  const send = async (how: "single" | "sweep") => {
    const request = input();
    if (!request) return;
    setSending(true);
    setRefusal(NO_REFUSAL);
    const answer =
      how === "single" ? await generate(request) : await sweep(request, sweepSeeds(sweepCount, request.seed ?? null));
    setSending(false);
    setRefusal(answer ?? NO_REFUSAL);
    if (answer?.key) onKeyRefused(answer.key);
    void refreshSession();
    if (!answer) document.getElementById("takes")?.focus();
  };

  return (
    <>
      <section class="panel" aria-labelledby="create-heading">
        <h2 id="create-heading">New video</h2>
        <form
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            void send("single");
          }}
        >
          <div class="field">
            <label for="prompt">Prompt</label>
            <textarea id="prompt" rows={3} value={prompt} onInput={(e) => setPrompt(e.currentTarget.value)} {...described("prompt")} />
            <p class="hint">What should happen, 1 to 2,000 characters.</p>
            <FieldError id="prompt-error" message={fieldError("prompt")} />
          </div>
          <div class="field">
            <label for="imageUrl">First frame (image URL)</label>
            <input id="imageUrl" type="url" value={imageUrl} onInput={(e) => setImageUrl(e.currentTarget.value)} {...described("imageUrl")} />
            <p class="hint">An http(s) URL Segmind can fetch.</p>
            <FieldError id="imageUrl-error" message={fieldError("imageUrl")} />
          </div>
          <div class="row">
            <fieldset {...described("duration")}>
              <legend>Duration</legend>
              {[5, 10].map((value) => (
                <label key={value} class="choice">
                  <input type="radio" name="duration" value={value} checked={duration === value} onChange={() => setDuration(value)} />
                  {value} s
                </label>
              ))}
              <FieldError id="duration-error" message={fieldError("duration")} />
            </fieldset>
            <fieldset {...described("resolution")}>
              <legend>Resolution</legend>
              {(
                [
                  ["SD_480P", "480p"],
                  ["HD_720P", "720p"],
                ] as const
              ).map(([value, text]) => (
                <label key={value} class="choice">
                  <input
                    type="radio"
                    name="resolution"
                    value={value}
                    checked={resolution === value}
                    onChange={() => setResolution(value)}
                  />
                  {text}
                </label>
              ))}
              <FieldError id="resolution-error" message={fieldError("resolution")} />
            </fieldset>
          </div>
          <div class="row">
            <div class="field">
              <label for="seed">Seed</label>
              <input
                id="seed"
                inputMode="numeric"
                autoComplete="off"
                placeholder="empty: the gateway draws one"
                value={seed}
                onInput={(e) => setSeed(e.currentTarget.value)}
                {...described("seed")}
              />
              <p class="hint">1 to 999,999. The same input and seed give the same video.</p>
              <FieldError id="seed-error" message={fieldError("seed")} />
            </div>
            <div class="field checkbox">
              <input id="cameraFixed" type="checkbox" checked={cameraFixed} onChange={(e) => setCameraFixed(e.currentTarget.checked)} />
              <label for="cameraFixed">Keep the camera still</label>
            </div>
          </div>
          <details class="advanced" open={Boolean(fieldError("idempotencyKey") || fieldError("deadline"))}>
            <summary>Retries and deadline</summary>
            <div class="field">
              <label for="idempotencyKey">Idempotency key</label>
              <input
                id="idempotencyKey"
                autoComplete="off"
                value={idempotencyKey}
                onInput={(e) => setIdempotencyKey(e.currentTarget.value)}
                {...described("idempotencyKey")}
              />
              <p class="hint">Optional. Sending the same key and input again returns the first generation instead of paying twice.</p>
              <FieldError id="idempotencyKey-error" message={fieldError("idempotencyKey")} />
            </div>
            <div class="field">
              <label for="deadline">Deadline</label>
              <input id="deadline" type="datetime-local" value={deadline} onInput={(e) => setDeadline(e.currentTarget.value)} {...described("deadline")} />
              <p class="hint">Optional. Not finished by then: the gateway stops working on it (Expired).</p>
              <FieldError id="deadline-error" message={fieldError("deadline")} />
            </div>
          </details>
          <CostPanel
            credits={session.credits}
            estimateUsd={estimateUsd}
            sweepCount={sweepCount}
            refusal={refusal.budget}
            sessionError={session.error?.message}
          />
          {refusal.form && (
            <p class="form-error" role="alert">
              {refusal.form}
            </p>
          )}
          <div class="buttons">
            <button type="submit" disabled={sending}>
              Generate
            </button>
            <span class="sweep">
              <button type="button" class="secondary" disabled={sending} onClick={() => void send("sweep")}>
                Sweep seeds
              </button>
              <label for="sweepCount">Takes per sweep</label>
              <select id="sweepCount" value={sweepCount} onChange={(e) => setSweepCount(Number(e.currentTarget.value))}>
                {[2, 3, 4, 5, 6].map((n) => (
                  <option key={n} value={n}>
                    {n}
                  </option>
                ))}
              </select>
            </span>
            {sending && <span role="status">Sending…</span>}
          </div>
          <p class="hint">
            A sweep sends the same input with {sweepCount} seeds (from the seed above upwards, or drawn at random) as one
            batch, accepted or refused whole, and shows the takes side by side.
          </p>
        </form>
      </section>
      <section class="panel" aria-labelledby="takes">
        <h2 id="takes" tabIndex={-1}>
          Takes
        </h2>
        {runs.length === 0 && <p class="hint">Nothing yet: generate a video or sweep seeds above. Progress shows live here.</p>}
        {runs.map((run) => (
          <section key={run.key} class={`run run-${run.kind}`} aria-label={run.title}>
            <h3>
              {run.kind === "sweep" ? "Seed sweep: " : ""}
              {run.title}
            </h3>
            <div class="takes">
              {run.ids.map((id) => (
                <Take key={id} id={id} />
              ))}
            </div>
            {run.problems.map((problem) => (
              <p key={problem} class="form-error" role="alert">
                {problem}
              </p>
            ))}
            <Snippet text={run.snippet} />
          </section>
        ))}
      </section>
    </>
  );
}

function CostPanel(props: {
  credits: Credits | null;
  estimateUsd: number | null;
  sweepCount: number;
  refusal?: string;
  sessionError?: string;
}) {
  const team = props.credits?.team;
  const budget = team?.budget;
  const limit = (remaining: number | null | undefined, total: number | null | undefined, window: string) =>
    total == null ? `no ${window} limit` : `${usd(remaining)} left ${window === "daily" ? "today" : "this month"} of ${usd(total)}`;
  return (
    <section class="cost" aria-labelledby="cost-heading" aria-live="polite">
      <h3 id="cost-heading">Cost and budget</h3>
      <p>
        Estimated cost: <strong data-testid="estimate">{usd(props.estimateUsd)}</strong> per video
        {props.estimateUsd != null && ` (a sweep of ${props.sweepCount}: ${usd(props.estimateUsd * props.sweepCount)})`}.
      </p>
      {props.sessionError ? (
        <p class="form-error">Budget unknown: {props.sessionError}</p>
      ) : !props.credits ? (
        <p>Reading the budget…</p>
      ) : team && budget ? (
        <p data-testid="budget">
          Team <strong>{team.name}</strong>: {limit(budget.remainingTodayUsd, budget.dailyLimitUsd, "daily")},{" "}
          {limit(budget.remainingThisMonthUsd, budget.monthlyLimitUsd, "monthly")} ({usd(budget.heldUsd)} held for running
          videos).
        </p>
      ) : (
        <p data-testid="budget">Anonymous{props.credits.upstream === "sandbox" ? " (sandbox mode)" : ""}: no team budget applies.</p>
      )}
      {props.refusal && (
        <p id="budget-error" class="form-error" role="alert">
          {props.refusal}
        </p>
      )}
    </section>
  );
}
