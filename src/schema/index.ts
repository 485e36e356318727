import { lexicographicSortSchema } from "graphql";
import { builder } from "./builder";
import "./scalars";
import "./errors";
import "./generation";
import "./batch";
import "./credits";
import "./budget";
import "./subscriptions";
import "./reproducibility";
import "./audit";
import "./webhooks";

builder.queryType({ description: "Reads: generations and batches, credits and budgets, the audit trail, webhook endpoints and deliveries." });
builder.mutationType({ description: "Writes: start (one or a batch), regenerate and cancel generations; manage webhook endpoints." });
builder.subscriptionType({ description: "Live updates of generations, over SSE (GraphQL over SSE)." });

export const schema = lexicographicSortSchema(builder.toSchema());
