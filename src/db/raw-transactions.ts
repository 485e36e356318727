// Transactions that run raw SQL only, without Prisma's transaction manager.
//
// Prisma 6.19 runs an interactive transaction through its transaction manager and compiles every
// statement in it, raw ones too, to a query plan in WebAssembly. A transaction of two raw
// statements measured ~530-670 µs of CPU that way and ~115-130 µs on the driver adapter
// (RowReader.transaction). The generation journal's transitions and admission's group commit
// run here, on the loop every subscriber's events wait for.
//
// The code inside is written against Prisma's transaction client (`Tx`), and most of it only
// runs `$executeRaw` / `$queryRaw`. The client handed to it here answers those on the adapter's
// transaction; anything else (a model operation: a path that still reads through Prisma) marks
// the attempt as needing Prisma, and once `work` settles the adapter's transaction is rolled
// back and `work` runs again in a Prisma transaction. Nothing is committed twice, and nothing
// is left half done: `work` must be safe to run again, as it already must be under Prisma
// (which retries nothing itself, but the callers reset their state at the start for that).
//
// PostgreSQL: the audit entries such a transaction wrote are sealed after its commit, as
// `$transaction` seals them (src/audit/seal.ts).
import { Sql } from "@prisma/client/runtime/client";
import { sealCommitted } from "../audit/seal";
import type { Db, Tx } from "./client";
import type { TransactionReader } from "./rows";

/** Runs `work` in one transaction: on the adapter when it runs raw SQL only, else through Prisma. */
export async function transact<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  let needed: string | undefined;
  let used: Tx | undefined;
  const attempt = await db.$rows
    .transaction(async (reader) => {
      const tx = rawOnly(reader, db, (what) => (needed ??= what));
      used = tx;
      let outcome: { value: T } | { error: unknown };
      try {
        outcome = { value: await work(tx) };
      } catch (error) {
        outcome = { error };
      }
      // Whatever `work` did with the refusal (thrown on, or caught), the attempt is void.
      if (needed !== undefined) throw new NeedsPrisma(needed);
      if ("error" in outcome) throw outcome.error;
      return outcome;
    })
    .catch((error: unknown) => {
      if (error instanceof NeedsPrisma) return undefined;
      throw error;
    });
  if (!attempt) return db.$transaction(work);
  if (used) await sealCommitted(db, used);
  return attempt.value;
}

/** A transaction's `work` asked for more than raw SQL (what, for a debugger's eye). */
class NeedsPrisma extends Error {
  override readonly name = "NeedsPrisma";
}

/**
 * Prisma's raw-SQL methods on `reader`; anything else of a `Tx` calls `refuse` and throws. Also
 * the two Prisma internals the audit log reads off a transaction (src/audit/log.ts): which
 * database it is on, and its engine, shared with `db`'s own transactions (the key of its cache
 * of the trail's head).
 */
function rawOnly(reader: TransactionReader, db: Db, refuse: (what: string) => void): Tx {
  const internals = db as unknown as { _activeProvider?: string; _engine?: object };
  const raw = {
    _activeProvider: internals._activeProvider,
    _engine: internals._engine,
    $executeRaw: (query: TemplateStringsArray | Sql, ...values: unknown[]) => reader.execute(LABELS.$executeRaw, statementOf(query, values)),
    $queryRaw: (query: TemplateStringsArray | Sql, ...values: unknown[]) => reader.run(LABELS.$queryRaw, statementOf(query, values)),
    // Text as is; one with bound values goes to Prisma (its placeholders are the driver's to parse).
    $executeRawUnsafe: (sql: string, ...values: unknown[]) => reader.execute(LABELS.$executeRawUnsafe, unsafe(sql, values, refuse)),
    $queryRawUnsafe: (sql: string, ...values: unknown[]) => reader.run(LABELS.$queryRawUnsafe, unsafe(sql, values, refuse)),
  };
  return new Proxy(raw, {
    get(target, property) {
      if (typeof property === "string" && property in target) return target[property as keyof typeof raw];
      // Not a thenable; symbols (inspection, Set membership) are not the transaction's API.
      if (property === "then" || typeof property === "symbol") return undefined;
      refuse(String(property));
      throw new NeedsPrisma(String(property));
    },
  }) as unknown as Tx;
}

const LABELS = {
  $executeRaw: { model: "", operation: "$executeRaw" },
  $queryRaw: { model: "", operation: "$queryRaw" },
  $executeRawUnsafe: { model: "", operation: "$executeRawUnsafe" },
  $queryRawUnsafe: { model: "", operation: "$queryRawUnsafe" },
};

/** A tagged-template call (tx.$queryRaw`...`) or a prepared Sql, as Prisma takes both. */
function statementOf(query: TemplateStringsArray | Sql, values: unknown[]): Sql {
  return Array.isArray(query) ? new Sql(query as TemplateStringsArray, values as never[]) : (query as Sql);
}

/** `$executeRawUnsafe(sql)`: the text as one statement; with values, refused (Prisma binds them). */
function unsafe(sql: string, values: unknown[], refuse: (what: string) => void): Sql {
  if (values.length > 0) {
    refuse("$executeRawUnsafe with values");
    throw new NeedsPrisma("$executeRawUnsafe with values");
  }
  return new Sql([sql], []);
}
