import { GraphQLError, valueFromASTUntyped } from "graphql";
import { builder } from "./builder";

builder.scalarType("DateTime", {
  description: "An instant, as an ISO 8601 / RFC 3339 string in UTC (e.g. 2026-11-24T09:30:00.000Z).",
  serialize: (value) => value.toISOString(),
  parseValue: (value) => {
    const date = typeof value === "string" ? new Date(value) : new Date(Number.NaN);
    if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(date.getTime())) {
      throw new GraphQLError("DateTime must be an ISO 8601 string such as 2026-11-24T09:30:00Z");
    }
    return date;
  },
});

builder.scalarType("JSON", {
  description:
    "Any JSON value. Where the schema takes one (metadata) the gateway checks its shape and size itself and answers a violation with InvalidInputError, not a GraphQL error.",
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables ?? undefined),
});
