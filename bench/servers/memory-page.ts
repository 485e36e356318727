// Floor for a page: yoga serving the same response from memory, no database. The schema is
// the gateway's own (schema.graphql) with default resolvers walking the captured answer, so
// GraphQL execution and serialisation of the same selection are paid, data access is not.
// BENCH_PAGES is a JSON file { "<first>": <data.generations> }.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { createSchema, createYoga } from "graphql-yoga";

const root = join(import.meta.dirname, "../..");
const pages = JSON.parse(readFileSync(process.env.BENCH_PAGES as string, "utf8")) as Record<string, unknown>;
const yoga = createYoga({
  schema: createSchema({
    typeDefs: readFileSync(join(root, "schema.graphql"), "utf8"),
    resolvers: { Query: { generations: (_: unknown, args: { first: number }) => pages[String(args.first)] } },
  }),
  logging: false,
  landingPage: false,
  graphiql: false,
});
createServer(yoga).listen(Number(process.env.PORT), "127.0.0.1");
process.once("SIGTERM", () => process.exit(0));
