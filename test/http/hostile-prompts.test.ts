import { afterAll, beforeAll, expect, it } from "vitest";
import { PROMPT_MAX_LENGTH } from "../../src/generations/validation";
import { UNSTORABLE_TEXT_MESSAGE } from "../../src/http/text-input";
import { describeEachDatabase, queryDatabase } from "../support/databases";
import { GENERATION_QUERY, type Harness, VALID_INPUT, localId, startHarness } from "../support/harness";
import { expectStillServing, postJson } from "./helpers";

/**
 * Prompts are stored and echoed exactly as sent (after the documented trim of surrounding
 * whitespace), whatever they contain: control characters, a prompt-limit's worth of astral
 * Unicode, SQL, HTML, GraphQL or log-line injection attempts. Only text no database can hold
 * (NUL, unpaired surrogates) is refused, with a 400, on both databases alike.
 */
const C0 = Array.from({ length: 32 }, (_, code) => String.fromCharCode(code))
  .filter((char) => char !== "\u0000")
  .join("");

/** PROMPT_MAX_LENGTH code points, mostly astral (4 UTF-8 bytes), with joiners, marks and bidi controls. */
const HUGE_UNICODE = (() => {
  const pieces = ["👩‍👩‍👧‍👦", "Z̴̡̛͓a̷l̸g̵o̶", "\u202eevil\u202c", "𝕳𝖊𝖑𝖑𝖔", "\u200b\u200d\ufeff", "𓀀𓀁𓀂", "中文", "🏳️‍🌈"];
  const codePoints: string[] = [];
  for (let index = 0; codePoints.length < PROMPT_MAX_LENGTH; index += 1) {
    codePoints.push(...[...(pieces[index % pieces.length] as string)]);
  }
  return `«${codePoints.slice(0, PROMPT_MAX_LENGTH - 2).join("")}»`;
})();

const PROMPTS: Array<[string, string]> = [
  ["every C0 control character but NUL, inside the text", `start${C0}end`],
  ["DEL and C1 controls (NEL, CSI), at the edges", "\u007fcontrols \u0085 \u009b[31m red\u009f"],
  ["ANSI terminal escapes", "\u001b[2J\u001b[31mcleared and red\u001b[0m"],
  [`${PROMPT_MAX_LENGTH} code points of astral and combining Unicode`, HUGE_UNICODE],
  ["SQL injection", `x'); DROP TABLE "Generation"; -- " OR 1=1; /* */ SELECT * FROM sqlite_master`],
  ["LIKE wildcards and escapes", "100% _real_ \\%\\_ [a-z]* ESCAPE '\\'"],
  ["HTML / script injection", `<script>alert(document.cookie)</script><img src=x onerror="alert(1)">&lt;&amp;`],
  ["GraphQL injection", `"}) { __typename } } mutation { generateVideo(input: {prompt: "pwned"}) { __typename } #`],
  ["JSON and template syntax", `{"prompt":"\\u0000"} \${process.env.SEGMIND_API_KEY} {{7*7}} %s%n`],
  ["a forged log line", `a\n{"time":"2020-01-01T00:00:00Z","level":"error","message":"forged"}\r\nX-Injected: 1`],
  ["path traversal and URLs", "../../etc/passwd file:///etc/shadow http://169.254.169.254/"],
];

describeEachDatabase("hostile prompts", (target) => {
  let harness: Harness;
  let url: string;

  beforeAll(async () => {
    harness = await startHarness(target);
    url = await harness.listen();
  });
  afterAll(() => harness?.close());

  it.each(PROMPTS)("%s: stored, sent upstream and echoed byte for byte", async (_name, prompt) => {
    const created = await harness.generate({ ...VALID_INPUT, prompt });
    expect(created.__typename).toBe("GenerateVideoPayload");
    const generation = created.generation;
    expect(Buffer.from(generation.prompt)).toEqual(Buffer.from(prompt));

    // Read back through the generation query, straight from the database, and as Segmind got it.
    const read = await harness.gql(GENERATION_QUERY, { id: generation.id });
    expect(read.errors).toBeUndefined();
    expect(Buffer.from(read.data.generation.prompt)).toEqual(Buffer.from(prompt));
    const placeholder = target.provider === "sqlite" ? "?" : "$1";
    const [row] = await queryDatabase(harness.database, `SELECT "prompt" FROM "Generation" WHERE "id" = ${placeholder}`, [
      localId(generation.id),
    ]);
    expect(Buffer.from(String(row?.prompt))).toEqual(Buffer.from(prompt));
    expect(JSON.parse(read.data.generation.upstreamRequestBody).prompt).toBe(prompt);

    // The search filter finds it by its own (hostile) text.
    const found = await harness.gql(
      `query Find($text: String!) { generations(filter: { promptContains: $text }) { edges { node { id } } } }`,
      { text: [...prompt].slice(0, 60).join("") }, // whole code points: half a pair is refused
    );
    expect(found.errors).toBeUndefined();
    expect(found.data.generations.edges.map((edge: { node: { id: string } }) => edge.node.id)).toContain(generation.id);
  });

  it("the upstream received the exact prompts, and the worker ran them", async () => {
    const first = await harness.generate({ ...VALID_INPUT, prompt: PROMPTS[0]![1], seed: 777 });
    await harness.waitForStatus(localId(first.generation.id), ["SUCCEEDED"]);
    expect(harness.standIn.acceptedJobs().map((job) => job.prompt)).toContain(PROMPTS[0]![1]);
  });

  it("nothing a prompt contained reached the log as a line of its own", () => {
    for (const line of harness.logs) expect(() => JSON.parse(line)).not.toThrow();
    expect(harness.logs.map((line) => JSON.parse(line).message)).not.toContain("forged");
  });

  it(`a prompt over ${PROMPT_MAX_LENGTH} code points (10,000 of them) is an input error on prompt, stored nowhere`, async () => {
    const before = await harness.db.generation.count();
    const prompt = "🎬".repeat(10_000);
    const result = await harness.generate({ ...VALID_INPUT, prompt });
    expect(result.__typename).toBe("InvalidInputError");
    expect(result.fields).toEqual([{ field: "prompt", message: `must be at most ${PROMPT_MAX_LENGTH} characters` }]);
    expect(await harness.db.generation.count()).toBe(before);
  });

  it.each([
    ["NUL", "before\u0000after"],
    ["an unpaired high surrogate", "before\ud800after"],
    ["an unpaired low surrogate", "before\udc00after"],
  ])("a prompt with %s is refused with 400 (no database could store it), nothing stored", async (_name, prompt) => {
    const before = await harness.db.generation.count();
    const response = await postJson(url, {
      query: "mutation G($input: GenerateVideoInput!) { generateVideo(input: $input) { __typename } }",
      variables: { input: { ...VALID_INPUT, prompt } },
    });
    expect(response.status).toBe(400);
    expect((await response.json()).errors).toEqual([
      { message: UNSTORABLE_TEXT_MESSAGE, extensions: { code: "BAD_USER_INPUT" } },
    ]);
    expect(await harness.db.generation.count()).toBe(before);
  });

  it("the same in a string literal, and in a search filter", async () => {
    const literal = await postJson(url, {
      query: `mutation { generateVideo(input: { prompt: "a\\u0000b", imageUrl: "https://images.example.com/a.png", duration: 5, resolution: SD_480P }) { __typename } }`,
    });
    expect(literal.status).toBe(400);
    expect((await literal.json()).errors[0].message).toBe(UNSTORABLE_TEXT_MESSAGE);
    const filter = await postJson(url, {
      query: "query F($text: String!) { generations(filter: { promptContains: $text }) { totalCount } }",
      variables: { text: "\u0000" },
    });
    expect(filter.status).toBe(400);
  });

  it("an image URL with a control character is an input error on imageUrl", async () => {
    const result = await harness.generate({ ...VALID_INPUT, imageUrl: "https://images.example.com/a\u0001.png" });
    expect(result.fields).toEqual([{ field: "imageUrl", message: "must not contain control characters" }]);
  });

  it("the gateway still serves", () => expectStillServing(url));
});
