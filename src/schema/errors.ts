import { GenerationAlreadyFinalError, GenerationNotFoundError } from "../generations/cancel";
import { IdempotencyConflictError } from "../generations/create";
import { type FieldProblem, InvalidInputError } from "../generations/validation";
import { builder } from "./builder";
import { GenerationRef, GenerationStatusEnum } from "./generation";

/** The common interface of every expected failure: clients can always ask `... on Error { code message }`. */
export const ErrorInterface = builder.interfaceRef<{ message: string; code: string }>("Error").implement({
  description: "An expected failure, returned as data.",
  fields: (t) => ({
    code: t.exposeString("code", { description: "Stable machine-readable code." }),
    message: t.exposeString("message", { description: "Human-readable explanation." }),
  }),
});

const FieldErrorRef = builder.objectRef<FieldProblem>("FieldError").implement({
  description: "One input field that was rejected, and why.",
  fields: (t) => ({
    field: t.exposeString("field", { description: "The input field's name, e.g. `imageUrl`." }),
    message: t.exposeString("message"),
  }),
});

builder.objectType(InvalidInputError, {
  name: "InvalidInputError",
  description: "The input broke a rule; nothing was stored or sent upstream.",
  interfaces: [ErrorInterface],
  fields: (t) => ({
    fields: t.field({ type: [FieldErrorRef], resolve: (error) => error.fields }),
  }),
});

builder.objectType(IdempotencyConflictError, {
  name: "IdempotencyConflictError",
  description: "The idempotencyKey was used before with a different input.",
  interfaces: [ErrorInterface],
  fields: (t) => ({
    idempotencyKey: t.exposeString("idempotencyKey"),
    existingGenerationId: t.globalID({
      description: "The generation the key already belongs to.",
      resolve: (error) => ({ type: "Generation", id: error.existingGenerationId }),
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
    status: t.field({ type: GenerationStatusEnum, resolve: (error) => error.status }),
    generation: t.field({ type: GenerationRef, resolve: (error) => error.generation }),
  }),
});
