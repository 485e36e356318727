import { gzipSync } from "node:zlib";
import type { GraphiQLOptions, Plugin } from "graphql-yoga";

/**
 * GraphiQL with every script and style inlined (no CDN: it must work offline). The page is
 * ~9 MB, so it is rendered once (a gateway's GraphiQL options never change) and served
 * gzipped to browsers that accept it. The renderer itself (9 MB of JavaScript) is loaded on
 * the first page view, not at start: parsing it was the largest part of the start-up time.
 */
export function createGraphiQL() {
  let page: Promise<{ html: string; gzipped: Buffer }> | undefined;
  let rendered: { html: string; gzipped: Buffer } | undefined;

  const render = async (options: GraphiQLOptions) => {
    page ??= import("@graphql-yoga/render-graphiql").then(({ renderGraphiQL }) => {
      const html = renderGraphiQL(options);
      rendered = { html, gzipped: gzipSync(html) };
      return rendered;
    });
    return (await page).html;
  };

  const compression: Plugin = {
    onResponse({ request, response, setResponse, fetchAPI }) {
      const page = rendered;
      if (!page || !response.headers.get("content-type")?.startsWith("text/html")) return;
      if (!/\bgzip\b/.test(request.headers.get("accept-encoding") ?? "")) return;
      const headers = new fetchAPI.Headers(response.headers);
      headers.set("content-encoding", "gzip");
      headers.set("content-length", String(page.gzipped.length));
      headers.set("vary", "accept-encoding");
      setResponse(new fetchAPI.Response(new Uint8Array(page.gzipped), { status: response.status, headers }));
    },
  };
  return { render, compression };
}

/** The README's example operations, one GraphiQL tab each, so a first visit starts somewhere. */
export const GRAPHIQL_TABS = {
  generate: `# Start a generation. It returns at once (QUEUED)
# and runs in the background: watch it live in the
# "Watch" tab, find it again in "History".
mutation Generate {
  generateVideo(input: {
    prompt: "A paper boat drifts across a rain puddle at dawn"
    imageUrl: "https://example.com/first-frame.png"
    duration: 5          # seconds: 5 or 10
    resolution: SD_480P  # or HD_720P
    # seed: 42           # same input + seed: same video
    # idempotencyKey: "boat-1"  # a retry: same generation
  }) {
    __typename
    ... on GenerateVideoPayload { replayed generation { id status seed estimatedCostUsd queuePosition } }
    ... on InvalidInputError { message fields { field message } }
    ... on BudgetExceededError { limit scope limitValue used estimateUsd resetsAt }
    ... on Error { code message }
  }
}
`,
  history: `# Your generations, newest first. Next page:
# pass pageInfo.endCursor as \`after\`.
query History {
  generations(first: 10, filter: { status: [SUCCEEDED, FAILED] }) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      node {
        id status prompt seed duration resolution resultUrl costUsd latencyMs errorCode errorMessage
        events { sequence type toStatus method path httpStatus durationMs }
      }
    }
  }
}
`,
  credits: `# What the Segmind account has left, your team's
# budget and spending, and what a video would cost.
query Credits {
  credits {
    freshness
    balance { credits freeCredits readAt }
    spentUsd
    team { name budget { dailyLimitUsd spentTodayUsd heldUsd remainingTodayUsd monthlyLimitUsd remainingThisMonthUsd } }
  }
  estimateCost(duration: 5, resolution: SD_480P) { ... on CostEstimate { estimateUsd } ... on Error { message } }
}
`,
  watch: `# Live updates over SSE, no polling: run this,
# then run "Generate" in the first tab. For one
# generation: generationUpdated(id: "<id>", after: 0)
# replays its history, then streams until it ends.
subscription Watch {
  generationsUpdated {
    kind sequence progress estimatedCompletionAt
    event { type toStatus httpStatus errorCode }
    generation { id status queuePosition resultUrl }
  }
}
`,
} as const;

/**
 * The Headers pane of every tab: the API key header as a placeholder. Where anonymous use is
 * allowed (sandbox mode) the line is commented out (GraphiQL reads the pane as JSON with
 * comments), so the tabs run as they are; elsewhere a placeholder that must be replaced.
 */
export function graphiqlHeaders(allowAnonymous: boolean): string {
  const lines = allowAnonymous
    ? [
        "// Sandbox mode: requests without a key work.",
        "// To act as your team, remove the // below",
        "// and put in your key (npm run keys).",
        '// "Authorization": "Bearer sgw_live_<prefix>_<secret>"',
      ]
    : ["// Replace the placeholder with your API key", "// (npm run keys -- key create ...).", '"Authorization": "Bearer sgw_live_<prefix>_<secret>"'];
  return `{\n${lines.map((line) => `  ${line}`).join("\n")}\n}\n`;
}

export function graphiqlOptions(options: { allowAnonymous: boolean }): GraphiQLOptions {
  const headers = graphiqlHeaders(options.allowAnonymous);
  return {
    title: "seedance-gateway",
    defaultTabs: Object.values(GRAPHIQL_TABS).map((query) => ({ query, headers })),
    defaultHeaders: headers,
    // The key typed into the Headers pane is not written to localStorage.
    shouldPersistHeaders: false,
  };
}
