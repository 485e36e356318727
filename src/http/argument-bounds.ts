import {
  type DocumentNode,
  type ExecutionArgs,
  type FieldNode,
  type GraphQLField,
  GraphQLError,
  type GraphQLInputType,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  TypeInfo,
  getArgumentValues,
  getNamedType,
  getNullableType,
  getVariableValues,
  isEnumType,
  isInputObjectType,
  isListType,
  visit,
  visitWithTypeInfo,
} from "graphql";
import type { Plugin } from "graphql-yoga";
import { IMAGE_URL_MAX_LENGTH, PROMPT_MAX_LENGTH } from "../generations/validation";
import { URL_MAX_LENGTH } from "../webhooks/manage";

/**
 * Every list and string argument of every field is bounded before anything executes. Without
 * it a 60,000-character `promptContains` reached SQLite as a LIKE pattern ("LIKE or GLOB
 * pattern too complex") and a `nodes(ids:)` or status list of 15,000–90,000 items reached the
 * database as that many parameters ("query parameter limit exceeded"): internal errors for
 * what is the client's mistake. Now such a request is refused with one GraphQL error,
 * `extensions.code` ARGUMENT_TOO_LARGE (naming the argument and its limit), and runs nothing.
 *
 * The rule is generic (it walks the schema's argument types, input objects included), so a
 * new argument is bounded the day it is added. The inputs of generateVideo, generateVideos
 * and regenerateVideo are left to their own validation (src/generations/validation.ts,
 * batch-input.ts), which answers the typed InvalidInputError naming each field (and item).
 */
export const ARGUMENT_TOO_LARGE = "ARGUMENT_TOO_LARGE";

/** Items in any list argument (a page is at most 100 too). */
export const MAX_LIST_ITEMS = 100;
/** Characters in any string or ID argument, unless a coordinate below says otherwise. */
export const MAX_STRING_LENGTH = 1_024;

const STRING_LIMITS: Record<string, number> = {
  // A substring of a prompt is never longer than a prompt.
  "Query.generations.filter.promptContains": PROMPT_MAX_LENGTH,
  "Query.videoOrigin.resultUrl": IMAGE_URL_MAX_LENGTH,
  // Webhook endpoint URLs: the same bound their validation applies (src/webhooks/manage.ts).
  "Mutation.createWebhookEndpoint.input.url": URL_MAX_LENGTH,
  "Mutation.updateWebhookEndpoint.input.url": URL_MAX_LENGTH,
};

/** Arguments validated by their resolver into InvalidInputError (typed, per field). */
const VALIDATED_BY_RESOLVER = new Set([
  "Mutation.generateVideo.input",
  "Mutation.generateVideos.input",
  "Mutation.regenerateVideo.overrides",
]);

export function argumentBounds(): Plugin {
  const refuse = (args: ExecutionArgs, setResult: (result: { errors: GraphQLError[] }) => void) => {
    const problem = oversizedArgument(args.schema, args.document, args.operationName, args.variableValues);
    if (problem) setResult({ errors: [problem] });
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      refuse(args, setResultAndStopExecution);
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      refuse(args, setResultAndStopExecution);
    },
  };
}

/** A field in a document whose arguments may carry a list or a string to bound. */
interface ArgumentSite {
  field: GraphQLField<unknown, unknown>;
  parent: string;
  node: FieldNode;
}

interface DocumentSites {
  schema: GraphQLSchema;
  operation: OperationDefinitionNode | null;
  sites: ArgumentSite[];
}

/**
 * Where a document's bounded arguments are, found once per document and operation (yoga
 * caches parsed documents, so the same object comes back request after request): walking the
 * whole document with type information on every request was ~4 % of a history page's CPU,
 * and a page or a generateVideo has no such argument at all.
 */
const sitesByDocument = new WeakMap<DocumentNode, Map<string, DocumentSites>>();

function argumentSites(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined): DocumentSites {
  let byOperation = sitesByDocument.get(document);
  if (!byOperation) sitesByDocument.set(document, (byOperation = new Map()));
  const cached = byOperation.get(operationName ?? "");
  if (cached && cached.schema === schema) return cached;
  const operation =
    document.definitions.find(
      (definition): definition is OperationDefinitionNode =>
        definition.kind === Kind.OPERATION_DEFINITION && (!operationName || definition.name?.value === operationName),
    ) ?? null;
  const sites: ArgumentSite[] = [];
  if (operation) {
    const typeInfo = new TypeInfo(schema);
    const definitions = document.definitions.filter((definition) => definition === operation || definition.kind === Kind.FRAGMENT_DEFINITION);
    visit(
      { kind: Kind.DOCUMENT, definitions },
      visitWithTypeInfo(typeInfo, {
        Field(node) {
          const field = typeInfo.getFieldDef();
          const parent = typeInfo.getParentType();
          if (!field || !parent || field.args.length === 0 || !node.arguments?.length) return;
          const bounded = field.args.some((arg) => !VALIDATED_BY_RESOLVER.has(`${parent.name}.${field.name}.${arg.name}`) && mayBeTooLarge(arg.type));
          if (bounded) sites.push({ field, parent: parent.name, node });
        },
      }),
    );
  }
  const found = { schema, operation, sites };
  byOperation.set(operationName ?? "", found);
  return found;
}

/** Can a value of this type hold a list or a string (itself, or a field of an input object)? */
function mayBeTooLarge(type: GraphQLInputType, seen = new Set<string>()): boolean {
  const inner = getNullableType(type);
  if (isListType(inner)) return true;
  const named = getNamedType(type);
  if (isInputObjectType(named)) {
    if (seen.has(named.name)) return false;
    seen.add(named.name);
    return Object.values(named.getFields()).some((field) => mayBeTooLarge(field.type, seen));
  }
  // Enums, Int, Float, Boolean are bounded by their type; custom scalars may arrive as strings.
  return !isEnumType(named) && !["Int", "Float", "Boolean"].includes(named.name);
}

/** The first argument value past its bound, as the error to answer; null when all fit. */
export function oversizedArgument(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  rawVariables: Record<string, unknown> | null | undefined,
): GraphQLError | null {
  const { operation, sites } = argumentSites(schema, document, operationName);
  if (!operation || sites.length === 0) return null;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {}, { maxErrors: 1 });
  // Variables that do not fit their types: execution reports that itself.
  if (coerced.errors) return null;
  const variables = coerced.coerced;
  for (const { field, parent, node } of sites) {
    let values: Record<string, unknown>;
    try {
      values = getArgumentValues(field, node, variables);
    } catch {
      continue; // a value that does not fit its type: execution reports it
    }
    for (const arg of field.args) {
      const coordinate = `${parent}.${field.name}.${arg.name}`;
      if (VALIDATED_BY_RESOLVER.has(coordinate) || values[arg.name] == null) continue;
      const found = check(values[arg.name], arg.type, coordinate, `${field.name}(${arg.name})`);
      if (found) return found;
    }
  }
  return null;
}

function check(value: unknown, type: GraphQLInputType, coordinate: string, where: string): GraphQLError | null {
  if (value == null) return null;
  const inner = getNullableType(type);
  if (isListType(inner)) {
    if (!Array.isArray(value)) return check(value, inner.ofType, coordinate, where);
    if (value.length > MAX_LIST_ITEMS) return tooLarge(where, coordinate, `${value.length} items`, MAX_LIST_ITEMS, "items");
    for (const item of value) {
      const problem = check(item, inner.ofType, coordinate, where);
      if (problem) return problem;
    }
    return null;
  }
  const named = getNamedType(type);
  if (isInputObjectType(named) && typeof value === "object") {
    for (const field of Object.values(named.getFields())) {
      const problem = check((value as Record<string, unknown>)[field.name], field.type, `${coordinate}.${field.name}`, `${where}.${field.name}`);
      if (problem) return problem;
    }
    return null;
  }
  if (typeof value === "string") {
    const limit = STRING_LIMITS[coordinate] ?? MAX_STRING_LENGTH;
    if (value.length > limit) return tooLarge(where, coordinate, `${value.length} characters`, limit, "characters");
  }
  return null;
}

function tooLarge(where: string, coordinate: string, size: string, limit: number, unit: string): GraphQLError {
  return new GraphQLError(`Argument ${where} is too large (${size}); at most ${limit} ${unit}.`, {
    extensions: { code: ARGUMENT_TOO_LARGE, argument: coordinate, limit, http: { status: 400 } },
  });
}
