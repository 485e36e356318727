// GraphQL Code Generator (client preset) for the studio: typed documents from the committed
// schema. `npm run codegen`; test/studio/build.test.ts fails when src/gql is stale.
import { fileURLToPath } from "node:url";
import type { CodegenConfig } from "@graphql-codegen/cli";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

const config: CodegenConfig = {
  schema: here("../schema.graphql"),
  documents: [here("src/**/*.{ts,tsx}"), `!${here("src/gql/**")}`],
  ignoreNoDocuments: false,
  generates: {
    [here("src/gql/")]: {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        // Plain strings on the wire (no graphql-js in the bundle), string unions for enums.
        documentMode: "string",
        enumsAsTypes: true,
        useTypeImports: true,
        scalars: { DateTime: "string" },
      },
    },
  },
};

export default config;
