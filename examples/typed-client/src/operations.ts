import { graphql } from "./gql/index.js";

/**
 * The operations this client sends. `npm run codegen` reads them and writes ./gql, where each
 * becomes a typed document: its result and variables types come from the schema.
 */

export const GenerateVideo = graphql(`
  mutation GenerateVideo($input: GenerateVideoInput!) {
    generateVideo(input: $input) {
      __typename
      ... on GenerateVideoPayload {
        replayed
        generation {
          id
          status
          seed
          estimatedCostUsd
        }
      }
      ... on InvalidInputError {
        fields {
          field
          message
        }
      }
      ... on BudgetExceededError {
        limit
        scope
        estimateUsd
        resetsAt
      }
      ... on IdempotencyConflictError {
        existingGenerationId
      }
      ... on BusyError {
        retryAfterMs
      }
      ... on Error {
        code
        message
      }
    }
  }
`);

export const GenerationUpdated = graphql(`
  subscription GenerationUpdated($id: ID!, $after: Int) {
    generationUpdated(id: $id, after: $after) {
      kind
      sequence
      progress
      estimatedCompletionAt
      event {
        type
        toStatus
      }
      generation {
        id
        status
        seed
        duration
        resolution
        resultUrl
        videoSha256
        videoBytes
        costUsd
        latencyMs
        queuePosition
        errorCode
        errorMessage
      }
    }
  }
`);
