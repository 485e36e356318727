// GraphQL Code Generator, client preset: typed documents for every graphql(`...`) in src,
// from the gateway's committed schema. Run `npm run codegen` after changing an operation.
import { fileURLToPath } from "node:url";
import type { CodegenConfig } from "@graphql-codegen/cli";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

const config: CodegenConfig = {
  // In your own project: the URL of a gateway with introspection on, or a copy of schema.graphql.
  schema: here("../../schema.graphql"),
  documents: [here("src/**/*.ts"), `!${here("src/gql/**")}`],
  // Node runs the compiled output as ES modules: relative imports need their extension.
  importExtension: ".js",
  generates: {
    [here("src/gql/")]: {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        // Documents as plain strings: any HTTP client can send them, no graphql-js needed.
        documentMode: "string",
        // GraphQL enums as string unions, so `switch (code)` over them is checked exhaustively.
        enumsAsTypes: true,
        useTypeImports: true,
        scalars: { DateTime: "string" },
      },
    },
  },
};

export default config;
