import { costLimitPlugin } from "@escape.tech/graphql-armor-cost-limit";
import { maxAliasesPlugin } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthPlugin } from "@escape.tech/graphql-armor-max-depth";
import { maxDirectivesPlugin } from "@escape.tech/graphql-armor-max-directives";
import { maxTokensPlugin } from "@escape.tech/graphql-armor-max-tokens";
import { useDisableIntrospection } from "@graphql-yoga/plugin-disable-introspection";
import { GraphQLError, type ValidationContext } from "graphql";
import type { Plugin } from "graphql-yoga";
import { hideSuggestions } from "./suggestions";

/**
 * Limits on the shape of a GraphQL document, enforced by GraphQL Armor before anything
 * executes. The defaults leave room for the heaviest legitimate request (a 100-generation page
 * with every field and event, written with fragments) and for GraphiQL's introspection query;
 * test/http/query-limits.test.ts holds both to them.
 */
export interface QueryLimits {
  /** Field nesting (through fragments); counts introspection too (its types nest in cycles). */
  maxDepth: number;
  /** Aliased fields per operation (a cheap way to repeat an expensive field). */
  maxAliases: number;
  /**
   * GraphQL Armor's cost: fields weighted by depth, lists by a literal `first`/`last` (a page
   * size passed as a variable is not seen; the resolvers cap pages at 100 rows anyway).
   */
  maxCost: number;
  /** Lexical tokens per document, checked while parsing (before any other work). */
  maxTokens: number;
  /** Directives per operation. */
  maxDirectives: number;
}

/**
 * Measured with these rules: the 100-generation page is depth 5, cost ~22,000,
 * ~110 tokens; GraphiQL's introspection query is depth 15 and ~180 tokens. No legitimate
 * query here needs an alias or a directive, so those limits only leave room for clients'
 * habits (`@include`, a few aliased lists on a dashboard).
 */
export const DEFAULT_QUERY_LIMITS: QueryLimits = {
  maxDepth: 16,
  maxAliases: 15,
  maxCost: 50_000,
  maxTokens: 1_000,
  maxDirectives: 20,
};

export interface ArmorOptions {
  limits: QueryLimits;
  /** When false, `__schema`/`__type` are refused and "Did you mean …?" hints are hidden. */
  introspection: boolean;
}

/**
 * A refused document is reported like any other validation failure (400 under
 * application/graphql-response+json, 200 with `errors` under legacy application/json, as the
 * GraphQL over HTTP spec says), not thrown: a throw would abort validation with a status yoga
 * cannot tell from a server fault.
 */
export function armorPlugins({ limits, introspection }: ArmorOptions): Plugin[] {
  const report = {
    propagateOnRejection: false,
    onReject: [
      (context: ValidationContext | null, error: GraphQLError) =>
        // Armor prefixes its messages "Syntax Error:"; these are limits, not syntax.
        context?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, ""))),
    ],
  };
  const plugins: Plugin[] = [
    // Token counting replaces the parser, so it runs first and bounds all later work.
    maxTokensPlugin({ n: limits.maxTokens }),
    // flattenFragments: how a client groups a selection into fragments does not change its
    // shape, so a fragment is not a level of depth or a cost multiplier of its own.
    maxDepthPlugin({ n: limits.maxDepth, flattenFragments: true, ignoreIntrospection: false, ...report }),
    maxAliasesPlugin({ n: limits.maxAliases, ...report }),
    maxDirectivesPlugin({ n: limits.maxDirectives, ...report }),
    // Introspection is bounded by depth above; its cost is never charged (GraphiQL's query
    // alone weighs more than any real page, and is harmless once depth-limited).
    costLimitPlugin({ maxCost: limits.maxCost, flattenFragments: true, ignoreIntrospection: true, ...report }),
  ];
  if (!introspection) {
    plugins.push(useDisableIntrospection(), hideSuggestions());
  }
  return plugins;
}
