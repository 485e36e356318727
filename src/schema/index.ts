import { lexicographicSortSchema } from "graphql";
import { builder } from "./builder";
import "./scalars";
import "./errors";
import "./generation";
import "./credits";

builder.queryType({});
builder.mutationType({});

export const schema = lexicographicSortSchema(builder.toSchema());
