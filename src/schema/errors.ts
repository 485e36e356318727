import { GenerationAlreadyFinalError, GenerationNotFoundError } from "../generations/cancel";
import { BusyError } from "../db/contention";
import { IdempotencyConflictError } from "../generations/create";
import { type FieldProblem, InvalidInputError } from "../generations/validation";
import type { ErrorCode } from "../error-codes";
import { builder } from "./builder";
import { ErrorCodeEnum } from "./error-codes";
import { GenerationRef, GenerationStatusEnum } from "./generation";

/** The common interface of every expected failure: clients can always ask `... on Error { code message }`. */
export const ErrorInterface = builder.interfaceRef<{ message: string; code: ErrorCode }>("Error").implement({
  description: "An expected failure, returned as data.",
  fields: (t) => ({
    code: t.expose("code", { type: ErrorCodeEnum, description: "Stable machine-readable code; one per error type." }),
    message: t.exposeString("message", { description: "Human-readable explanation." }),
  }),
});

const FieldErrorRef = builder.objectRef<FieldProblem>("FieldError").implement({
  description: "One input field that was rejected, and why.",
  fields: (t) => ({
    field: t.exposeString("field", { description: "The input field's name, e.g. `imageUrl`." }),
    message: t.exposeString("message", { description: "What is wrong with it, e.g. `must be 5 or 10`." }),
    itemIndex: t.int({
      nullable: true,
      description: "generateVideos: the item (0-based, in `items`) the field belongs to; null for the batch's own fields and for generateVideo.",
      resolve: (problem) => problem.itemIndex ?? null,
    }),
  }),
});

builder.objectType(InvalidInputError, {
  name: "InvalidInputError",
  description: "The input broke a rule; nothing was stored or sent upstream.",
  interfaces: [ErrorInterface],
  fields: (t) => ({
    fields: t.field({
      type: [FieldErrorRef],
      description: "Every rejected field (not only the first), each named as in the input.",
      resolve: (error) => error.fields,
    }),
  }),
});

builder.objectType(IdempotencyConflictError, {
  name: "IdempotencyConflictError",
  description: "The idempotencyKey was used before with a different input.",
  interfaces: [ErrorInterface],
  fields: (t) => ({
    idempotencyKey: t.exposeString("idempotencyKey", { description: "The key, as the client sent it." }),
    existingGenerationId: t.globalID({
      description: "The generation the key already belongs to.",
      resolve: (error) => ({ type: "Generation", id: error.existingGenerationId }),
    }),
    existingBatchId: t.globalID({
      nullable: true,
      description: "generateVideos: the batch the key already belongs to (existingGenerationId is its first item); null for generateVideo.",
      resolve: (error) => (error.existingBatchId ? { type: "GenerationBatch", id: error.existingBatchId } : null),
    }),
  }),
});

builder.objectType(GenerationNotFoundError, {
  name: "GenerationNotFoundError",
  description: "No generation has this id.",
  interfaces: [ErrorInterface],
  fields: (t) => ({
    generationId: t.exposeString("generationId", { description: "The id as given." }),
  }),
});

builder.objectType(GenerationAlreadyFinalError, {
  name: "GenerationAlreadyFinalError",
  description: "The generation already reached a final status; there is nothing left to cancel.",
  interfaces: [ErrorInterface],
  fields: (t) => ({
    status: t.field({ type: GenerationStatusEnum, description: "The final status it is in.", resolve: (error) => error.status }),
    generation: t.field({ type: GenerationRef, description: "The generation, as it is now.", resolve: (error) => error.generation }),
  }),
});

builder.objectType(BusyError, {
  name: "BusyError",
  description:
    "Too many of the team's requests at once: this one could not be checked against the budget in time. Nothing was stored or sent; retrying is safe.",
  interfaces: [ErrorInterface],
  fields: (t) => ({
    retryAfterMs: t.exposeInt("retryAfterMs", { description: "Wait at least this long before retrying (milliseconds)." }),
  }),
});
