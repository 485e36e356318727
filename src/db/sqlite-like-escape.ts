import type { Client, InStatement, Transaction } from "@libsql/client";

/**
 * Prisma sends `contains` / `startsWith` / `endsWith` to SQLite as `LIKE ?` without an
 * escape character, so a `%` or `_` in a search term acts as a wildcard and cannot be
 * escaped. PostgreSQL's LIKE escapes with backslash by default. Declaring the same escape
 * for SQLite gives both databases one meaning, so callers escape search terms once.
 */
export function declareLikeEscape(sql: string): string {
  return sql.replace(/ LIKE \?/g, " LIKE ? ESCAPE '\\'");
}

/** Rewrites every statement `target.execute` runs (a client or one of its transactions). */
export function withLikeEscape<T extends Client | Transaction>(target: T): T {
  const execute = target.execute.bind(target) as (statement: InStatement) => ReturnType<T["execute"]>;
  target.execute = ((statement: InStatement) =>
    execute(
      typeof statement === "string"
        ? declareLikeEscape(statement)
        : { ...statement, sql: declareLikeEscape(statement.sql) },
    )) as T["execute"];
  return target;
}
