/* eslint-disable */
import * as types from './graphql.js';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  mutation GenerateVideo($input: GenerateVideoInput!) {\n    generateVideo(input: $input) {\n      __typename\n      ... on GenerateVideoPayload {\n        replayed\n        generation {\n          id\n          status\n          seed\n          estimatedCostUsd\n        }\n      }\n      ... on InvalidInputError {\n        fields {\n          field\n          message\n        }\n      }\n      ... on BudgetExceededError {\n        limit\n        scope\n        estimateUsd\n        resetsAt\n      }\n      ... on IdempotencyConflictError {\n        existingGenerationId\n      }\n      ... on BusyError {\n        retryAfterMs\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n": typeof types.GenerateVideoDocument,
    "\n  subscription GenerationUpdated($id: ID!, $after: Int) {\n    generationUpdated(id: $id, after: $after) {\n      kind\n      sequence\n      progress\n      estimatedCompletionAt\n      event {\n        type\n        toStatus\n      }\n      generation {\n        id\n        status\n        seed\n        duration\n        resolution\n        resultUrl\n        videoSha256\n        videoBytes\n        costUsd\n        latencyMs\n        queuePosition\n        errorCode\n        errorMessage\n      }\n    }\n  }\n": typeof types.GenerationUpdatedDocument,
};
const documents: Documents = {
    "\n  mutation GenerateVideo($input: GenerateVideoInput!) {\n    generateVideo(input: $input) {\n      __typename\n      ... on GenerateVideoPayload {\n        replayed\n        generation {\n          id\n          status\n          seed\n          estimatedCostUsd\n        }\n      }\n      ... on InvalidInputError {\n        fields {\n          field\n          message\n        }\n      }\n      ... on BudgetExceededError {\n        limit\n        scope\n        estimateUsd\n        resetsAt\n      }\n      ... on IdempotencyConflictError {\n        existingGenerationId\n      }\n      ... on BusyError {\n        retryAfterMs\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n": types.GenerateVideoDocument,
    "\n  subscription GenerationUpdated($id: ID!, $after: Int) {\n    generationUpdated(id: $id, after: $after) {\n      kind\n      sequence\n      progress\n      estimatedCompletionAt\n      event {\n        type\n        toStatus\n      }\n      generation {\n        id\n        status\n        seed\n        duration\n        resolution\n        resultUrl\n        videoSha256\n        videoBytes\n        costUsd\n        latencyMs\n        queuePosition\n        errorCode\n        errorMessage\n      }\n    }\n  }\n": types.GenerationUpdatedDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation GenerateVideo($input: GenerateVideoInput!) {\n    generateVideo(input: $input) {\n      __typename\n      ... on GenerateVideoPayload {\n        replayed\n        generation {\n          id\n          status\n          seed\n          estimatedCostUsd\n        }\n      }\n      ... on InvalidInputError {\n        fields {\n          field\n          message\n        }\n      }\n      ... on BudgetExceededError {\n        limit\n        scope\n        estimateUsd\n        resetsAt\n      }\n      ... on IdempotencyConflictError {\n        existingGenerationId\n      }\n      ... on BusyError {\n        retryAfterMs\n      }\n      ... on Error {\n        code\n        message\n      }\n    }\n  }\n"): typeof import('./graphql.js').GenerateVideoDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription GenerationUpdated($id: ID!, $after: Int) {\n    generationUpdated(id: $id, after: $after) {\n      kind\n      sequence\n      progress\n      estimatedCompletionAt\n      event {\n        type\n        toStatus\n      }\n      generation {\n        id\n        status\n        seed\n        duration\n        resolution\n        resultUrl\n        videoSha256\n        videoBytes\n        costUsd\n        latencyMs\n        queuePosition\n        errorCode\n        errorMessage\n      }\n    }\n  }\n"): typeof import('./graphql.js').GenerationUpdatedDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
