// History in bulk: one real generation is made through the gateway (its row and its real
// event history: status changes and every upstream exchange), then cloned with one
// INSERT ... SELECT per table. Clones get UUID-shaped ids below the template's, so pages
// (newest first) show the template and then the clones in id order.
//
//   "019" clones:  n clones with the template's full history (~15 events each);
//   "018" clones:  n clones older than every recent one, with only the template's first
//               `events` events (the 100,000-row case: the table is large, the newest page
//               is the same as with 500).
import type { BenchDatabase } from "./databases";
import { GENERATE, GENERATE_INPUT, post, waitFinal } from "./graphql";

export interface Template {
  id: string;
  events: number;
}

export async function makeTemplate(url: string, key: string): Promise<Template> {
  const answer = await post(url, GENERATE, { input: { ...GENERATE_INPUT, seed: 7 } }, key);
  const node = answer.data?.generateVideo?.generation as { id: string } | undefined;
  if (!node) throw new Error(`template generation refused: ${JSON.stringify(answer)}`);
  const finals = await waitFinal(url, key, [node.id], 60_000);
  if (finals.get(node.id)?.status !== "SUCCEEDED") throw new Error(`template generation did not succeed: ${JSON.stringify([...finals])}`);
  const raw = Buffer.from(node.id, "base64").toString();
  const id = raw.slice(raw.indexOf(":") + 1);
  return { id, events: 0 };
}

/**
 * Clone ids: `<prefix><i as 5 hex>-0000-7000-8000-<i as 12 hex>`; prefix "019" recent, "018"
 * older: both below today's UUIDv7 ids ("01a..."), so the template stays the newest.
 */
function idSql(provider: BenchDatabase["provider"], prefix: string): string {
  return provider === "sqlite"
    ? `printf('${prefix}%05x-0000-7000-8000-%012x', i, i)`
    : `'${prefix}' || lpad(to_hex(i), 5, '0') || '-0000-7000-8000-' || lpad(to_hex(i), 12, '0')`;
}

async function columns(database: BenchDatabase, table: string): Promise<string[]> {
  const rows =
    database.provider === "sqlite"
      ? await database.sql(`SELECT name FROM pragma_table_info('${table}')`)
      : await database.sql(`SELECT column_name AS name FROM information_schema.columns WHERE table_name = '${table}' ORDER BY ordinal_position`);
  return rows.map((row) => String(row.name));
}

export async function cloneGenerations(
  database: BenchDatabase,
  template: Template,
  options: { count: number; prefix: "019" | "018"; events: number | "all" },
): Promise<void> {
  const q = (name: string) => `"${name}"`;
  const genColumns = await columns(database, "Generation");
  const select = genColumns.map((column) =>
    column === "id" ? idSql(database.provider, options.prefix) : column === "idempotencyKey" ? "NULL" : `t.${q(column)}`,
  );
  const series =
    database.provider === "sqlite"
      ? `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${options.count}) `
      : "";
  const from = database.provider === "sqlite" ? "n" : `generate_series(1, ${options.count}) AS n(i)`;
  const eventColumns = (await columns(database, "GenerationEvent")).filter((column) => column !== "id");
  const eventSelect = eventColumns.map((column) => (column === "generationId" ? "g.id" : `e.${q(column)}`));
  const limit = options.events === "all" ? "" : ` ORDER BY id LIMIT ${options.events}`;
  await database.sql([
    `${series}INSERT INTO "Generation" (${genColumns.map(q).join(", ")}) SELECT ${select.join(", ")} FROM ${from}, "Generation" t WHERE t.id = '${template.id}'`,
    `INSERT INTO "GenerationEvent" (${eventColumns.map(q).join(", ")})
       SELECT ${eventSelect.join(", ")} FROM "Generation" g,
         (SELECT * FROM "GenerationEvent" WHERE "generationId" = '${template.id}'${limit}) e
       WHERE g.id LIKE '${options.prefix}%' ORDER BY g.id, e.id`,
  ]);
  if (database.provider === "postgresql") await database.sql(`ANALYZE`);
}

export async function eventCount(database: BenchDatabase, generationId: string): Promise<number> {
  const [row] = await database.sql(`SELECT COUNT(*) AS n FROM "GenerationEvent" WHERE "generationId" = '${generationId}'`);
  return Number(row?.n);
}
