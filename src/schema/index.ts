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

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});

export const schema = lexicographicSortSchema(builder.toSchema());
