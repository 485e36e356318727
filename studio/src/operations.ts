import { graphql } from "./gql";

/**
 * Every operation the studio sends: the public GraphQL API, nothing else. GraphQL Code
 * Generator reads them here and writes typed documents into ./gql (`npm run codegen`).
 * The app imports those (`StudioGenerateDocument` from ./gql/graphql), not these constants, so
 * the bundle holds each document once and not gql.ts's lookup map of every document's text.
 */

export const GenerationCardFields = graphql(`
  fragment GenerationCard on Generation {
    id
    status
    prompt
    imageUrl
    duration
    resolution
    seed
    seedSource
    cameraFixed
    createdAt
    completedAt
    resultUrl
    costUsd
    estimatedCostUsd
    latencyMs
    progress
    estimatedCompletionAt
    queuePosition
    errorCode
    errorMessage
    derivedFrom {
      id
    }
  }
`);

export const BudgetFields = graphql(`
  fragment BudgetFields on Budget {
    dailyLimitUsd
    monthlyLimitUsd
    spentTodayUsd
    spentThisMonthUsd
    heldUsd
    remainingTodayUsd
    remainingThisMonthUsd
    maxConcurrent
    activeGenerations
    requestsPerMinute
    requestsInLastMinute
    dayResetsAt
    monthResetsAt
  }
`);

export const SessionQuery = graphql(`
  query StudioSession {
    credits {
      upstream
      freshness
      balance {
        credits
        freeCredits
        readAt
      }
      upstreamError {
        code
        message
      }
      spentUsd
      billedGenerations
      lastRemainingCredits
      team {
        id
        name
        budget {
          ...BudgetFields
        }
      }
      keyBudget {
        ...BudgetFields
      }
    }
  }
`);

export const LedgerQuery = graphql(`
  query StudioLedger($first: Int!) {
    credits {
      ledger(first: $first) {
        totalCount
        edges {
          node {
            id
            kind
            amountUsd
            basis
            at
            generation {
              id
              prompt
              seed
            }
          }
        }
      }
    }
  }
`);

export const EstimateQuery = graphql(`
  query StudioEstimate($duration: Int!, $resolution: Resolution!) {
    estimateCost(duration: $duration, resolution: $resolution) {
      __typename
      ... on CostEstimate {
        estimateUsd
      }
      ... on InvalidInputError {
        fields {
          field
          message
        }
      }
      ... on Error {
        code
        message
      }
    }
  }
`);

export const GenerateMutation = graphql(`
  mutation StudioGenerate($input: GenerateVideoInput!) {
    generateVideo(input: $input) {
      __typename
      ... on GenerateVideoPayload {
        replayed
        generation {
          ...GenerationCard
          events {
            sequence
          }
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
        limitValue
        used
        spentUsd
        heldUsd
        estimateUsd
        resetsAt
      }
      ... on IdempotencyConflictError {
        idempotencyKey
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

/** A seed sweep: one generateVideos batch, accepted or refused whole. */
export const GenerateBatchMutation = graphql(`
  mutation StudioGenerateBatch($input: GenerateVideosInput!) {
    generateVideos(input: $input) {
      __typename
      ... on GenerateVideosPayload {
        replayed
        generations {
          ...GenerationCard
          events {
            sequence
          }
        }
      }
      ... on InvalidInputError {
        fields {
          field
          message
          itemIndex
        }
      }
      ... on BudgetExceededError {
        limit
        scope
        limitValue
        used
        spentUsd
        heldUsd
        estimateUsd
        requestedGenerations
        resetsAt
      }
      ... on IdempotencyConflictError {
        idempotencyKey
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

export const RegenerateMutation = graphql(`
  mutation StudioRegenerate($id: ID!, $overrides: RegenerateOverrides) {
    regenerateVideo(id: $id, overrides: $overrides) {
      __typename
      ... on RegenerateVideoPayload {
        replayed
        generation {
          ...GenerationCard
          events {
            sequence
          }
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
        limitValue
        used
        spentUsd
        heldUsd
        estimateUsd
        resetsAt
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

export const CancelMutation = graphql(`
  mutation StudioCancel($id: ID!) {
    cancelGeneration(id: $id) {
      __typename
      ... on CancelGenerationPayload {
        pending
        generation {
          ...GenerationCard
        }
      }
      ... on Error {
        code
        message
      }
    }
  }
`);

export const GalleryQuery = graphql(`
  query StudioGallery($first: Int!, $after: String, $filter: GenerationFilter) {
    generations(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          ...GenerationCard
        }
      }
    }
  }
`);

export const GenerationQuery = graphql(`
  query StudioGeneration($id: ID!) {
    generation(id: $id) {
      ...GenerationCard
      upstream
      upstreamMode
      upstreamRequestId
      videoSha256
      videoBytes
      attempts
      deadline
      manifest {
        modelSlug
        upstream
        upstreamMode
        upstreamRequestBody
        requestedSeed
        seedSource
        seed
        upstreamSeed
        gatewayVersion
        imageUrl
        imageSha256
        imageBytes
        videoSha256
        videoBytes
        videoContentType
        createdAt
      }
      events {
        ...EventFields
      }
      derivations {
        id
        seed
        status
      }
    }
  }
`);

export const EventFields = graphql(`
  fragment EventFields on GenerationEvent {
    sequence
    type
    at
    fromStatus
    toStatus
    method
    path
    httpStatus
    durationMs
    attempt
    errorCode
    message
  }
`);

export const RefreshQuery = graphql(`
  query StudioRefresh($ids: [ID!]!) {
    nodes(ids: $ids) {
      ... on Generation {
        ...GenerationCard
      }
    }
  }
`);

/** Every change of every generation the caller may see: one stream for the whole page. */
export const UpdatesSubscription = graphql(`
  subscription StudioUpdates($after: Int) {
    generationsUpdated(after: $after) {
      kind
      sequence
      progress
      estimatedCompletionAt
      generation {
        ...GenerationCard
      }
    }
  }
`);

/** One generation's history, then its live changes with progress ticks (the detail view). */
export const TimelineSubscription = graphql(`
  subscription StudioTimeline($id: ID!, $after: Int) {
    generationUpdated(id: $id, after: $after) {
      kind
      sequence
      progress
      estimatedCompletionAt
      event {
        ...EventFields
      }
      generation {
        ...GenerationCard
      }
    }
  }
`);
