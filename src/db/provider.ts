export type DatabaseProvider = "sqlite" | "postgresql";

/** Which provider a DATABASE_URL points at: `file:` is SQLite, `postgres(ql)://` is PostgreSQL. */
export function databaseProvider(url: string): DatabaseProvider {
  if (url.startsWith("file:")) return "sqlite";
  if (/^postgres(ql)?:\/\//.test(url)) return "postgresql";
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0] ?? "(no scheme)";
  throw new Error(
    `DATABASE_URL must start with "file:" (SQLite, e.g. file:./data/gateway.db) or "postgresql://" (PostgreSQL); got ${scheme}`,
  );
}

/** The filesystem path of a SQLite `file:` URL (query string removed; relative paths are relative to the cwd). */
export function sqliteFilePath(url: string): string {
  return decodeURIComponent(url.slice("file:".length).split("?")[0]!).replace(/^\/\/(localhost)?(?=\/)/, "");
}
