import { type Plugin, isAsyncIterable } from "graphql-yoga";
import { mapped } from "./mapped-iterator";

/**
 * graphql-js completes every unknown name with the schema's closest ones ("Did you mean
 * "prompt"?", "Did you mean the enum value "SD_480P"?"), which maps the schema for anyone
 * with introspection off. GraphQL Armor's block-field-suggestions hides only the first form
 * and only in validation; variable values are checked later, at execution ("Field "promt" is
 * not defined by type "GenerateVideoInput". Did you mean "prompt"?"). This plugin removes
 * every form from every error of every result, however it was produced. Names are
 * [_A-Za-z0-9] only, so a suggestion never contains a "?" of its own.
 */
const SUGGESTION = /\s*Did you mean [^?]*\?/g;

export function withoutSuggestions(message: string): string {
  return message.replace(SUGGESTION, "").trim();
}

export function hideSuggestions(): Plugin {
  return {
    onResultProcess({ result, setResult }) {
      if (isAsyncIterable(result)) {
        setResult(mapped(result[Symbol.asyncIterator](), strip));
        return;
      }
      setResult(Array.isArray(result) ? result.map(strip) : strip(result));
    },
  };
}

function strip<T>(result: T): T {
  const errors = (result as { errors?: unknown }).errors;
  if (!Array.isArray(errors)) return result;
  for (const error of errors as Array<{ message?: unknown }>) {
    // GraphQLError#message is a plain property (graphql-js and Armor both assign it).
    if (typeof error?.message === "string") error.message = withoutSuggestions(error.message);
  }
  return result;
}
