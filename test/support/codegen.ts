import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { type CodegenConfig, generate } from "@graphql-codegen/cli";
import { REPO_ROOT } from "./process";

/**
 * Runs GraphQL Code Generator in memory with a committed config and returns each generated
 * file whose committed copy differs (empty: up to date with schema.graphql and the documents).
 */
export async function staleGeneratedFiles(configModule: string): Promise<string[]> {
  const { default: config } = (await import(configModule)) as { default: CodegenConfig };
  const outputs = (await generate({ ...config, silent: true, verbose: false }, false)) as Array<{ filename: string; content: string }>;
  if (outputs.length === 0) throw new Error(`${configModule} generated nothing`);
  return outputs
    .filter((output) => {
      try {
        return readFileSync(output.filename, "utf8") !== output.content;
      } catch {
        return true;
      }
    })
    .map((output) => relative(REPO_ROOT, output.filename));
}
