import { GraphQLError } from "graphql";

export const SCOPES = ["generate", "read", "webhooks", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

/** Who is calling: a team's API key, or (where allowed) nobody in particular. */
export interface Principal {
  kind: "key" | "anonymous";
  keyId: string | null;
  keyPrefix: string | null;
  /** null for anonymous callers: they see only anonymous generations. */
  teamId: string | null;
  scopes: ReadonlySet<Scope>;
  clientAddress: string | null;
}

export function anonymousPrincipal(clientAddress: string | null): Principal {
  return {
    kind: "anonymous",
    keyId: null,
    keyPrefix: null,
    teamId: null,
    scopes: new Set<Scope>(["generate", "read"]),
    clientAddress,
  };
}

/** One message for every way a key can be wrong, so none reveals whether a key exists. */
export function unauthenticated(): GraphQLError {
  return new GraphQLError("Missing or invalid API key. Send `Authorization: Bearer <key>`.", {
    extensions: { code: "UNAUTHENTICATED", http: { status: 401, headers: { "www-authenticate": "Bearer" } } },
  });
}

export function forbidden(scope: Scope): GraphQLError {
  return new GraphQLError(`This API key lacks the "${scope}" scope.`, {
    extensions: { code: "FORBIDDEN", http: { status: 403 } },
  });
}

/** Throws FORBIDDEN unless the caller holds `scope` (admin holds every scope). */
export function requireScope(principal: Principal, scope: Scope): void {
  if (!principal.scopes.has(scope) && !principal.scopes.has("admin")) throw forbidden(scope);
}

export function isAdmin(principal: Principal): boolean {
  return principal.scopes.has("admin");
}

export function parseScopes(text: string): Scope[] {
  const scopes = text.split(",").map((scope) => scope.trim()).filter(Boolean);
  const unknown = scopes.filter((scope) => !(SCOPES as readonly string[]).includes(scope));
  if (unknown.length > 0) throw new Error(`Unknown scope(s): ${unknown.join(", ")}; known: ${SCOPES.join(", ")}`);
  return [...new Set(scopes)] as Scope[];
}
