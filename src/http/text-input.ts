import { type ASTNode, type ASTVisitor, GraphQLError, type ValidationContext } from "graphql";
import type { Plugin } from "graphql-yoga";

/**
 * Text the gateway cannot store faithfully is refused at the door, wherever it appears (a
 * prompt, an image URL, a filter, a cursor), in variables and in the document alike:
 * - U+0000 (NUL): PostgreSQL refuses it in text, and SQLite (through libsql) silently cuts
 *   the string there, so "a\0b" would come back as "a".
 * - Unpaired UTF-16 surrogates ("\ud800" in JSON): not Unicode text; they cannot be encoded as
 *   UTF-8, so neither database nor Segmind could receive them intact.
 * Every other character, control characters and any amount of Unicode included, is kept
 * byte for byte (within each field's own limits).
 */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const UNSTORABLE_TEXT_MESSAGE =
  "Text inputs must be valid Unicode without NUL (U+0000) characters or unpaired surrogates.";

function unstorableTextError(node?: ASTNode): GraphQLError {
  return new GraphQLError(UNSTORABLE_TEXT_MESSAGE, {
    nodes: node,
    extensions: { code: "BAD_USER_INPUT", http: { status: 400 } },
  });
}

/** Whether any string inside `value` (any depth; iterative, so deep JSON cannot overflow the stack). */
export function containsUnstorableText(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const current = pending.pop();
    if (typeof current === "string") {
      if (UNSTORABLE.test(current)) return true;
    } else if (typeof current === "object" && current !== null) {
      // One by one: spreading a 100,000-element array into push() would overflow the stack.
      for (const item of Array.isArray(current) ? current : Object.values(current)) pending.push(item);
    }
  }
  return false;
}

/** Refuses unstorable text in variables (400) and in string literals (a validation error). */
export function storableTextOnly(): Plugin {
  // A named rule: yoga keys its validation cache by rule names.
  function StorableStringLiterals(context: ValidationContext): ASTVisitor {
    return {
      StringValue(node) {
        if (UNSTORABLE.test(node.value)) context.reportError(unstorableTextError(node));
      },
    };
  }
  return {
    onParams({ params, setResult }) {
      if (containsUnstorableText(params.variables)) setResult({ errors: [unstorableTextError()] });
    },
    onValidate({ addValidationRule }) {
      addValidationRule(StorableStringLiterals);
    },
  };
}
