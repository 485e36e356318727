import { lexicographicSortSchema } from "graphql";
import { builder } from "./builder";
import "./scalars";
import "./errors";
import "./generation";
import "./credits";
import "./budget";
import "./subscriptions";
import "./reproducibility";
import "./audit";

builder.queryType({ description: "Reads: generations, credits and budgets, the audit trail." });
builder.mutationType({ description: "Writes: start, regenerate and cancel generations." });
builder.subscriptionType({ description: "Live updates of generations, over SSE (GraphQL over SSE)." });

export const schema = lexicographicSortSchema(builder.toSchema());
