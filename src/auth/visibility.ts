import { type Principal, isAdmin } from "./principal";

/**
 * Tenant isolation, in one place. Every read of generations on a client's behalf goes
 * through one of these, so a team's key sees its team's generations, an anonymous caller
 * sees anonymous ones (teamId null), and an `admin` key sees every generation.
 *
 * Another team's generation is answered exactly like a nonexistent one (null, NOT_FOUND,
 * no event): nothing tells a caller that an id exists elsewhere.
 */

/** A Prisma `where` fragment on Generation: spread it into any generation query. */
export type GenerationVisibility = { teamId?: string | null };

/**
 * `{}` for admin (everything), otherwise `{ teamId }` (`teamId: null` matches only
 * anonymous generations). Spread into a Generation where-clause:
 * `db.generation.findMany({ where: { ...filter, ...visibleTo(principal) } })`, or nest it
 * as `{ generation: visibleTo(principal) }` on a relation (events, ledger entries).
 */
export function visibleTo(principal: Principal): GenerationVisibility {
  return isAdmin(principal) ? {} : { teamId: principal.teamId };
}
