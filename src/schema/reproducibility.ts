import { GraphQLError } from "graphql";
import { requireScope } from "../auth/principal";
import { visibleTo } from "../auth/visibility";
import { BudgetExceededError } from "../budget/ledger";
import { BusyError } from "../db/contention";
import { GenerationNotFoundError } from "../generations/cancel";
import { IdempotencyConflictError, createGeneration } from "../generations/create";
import { generationIdFromResultUrl, regenerationRequest } from "../generations/regenerate";
import type { GenerationRow } from "../generations/types";
import { InvalidInputError, PROMPT_MAX_LENGTH, SEED_MAX, SEED_MIN } from "../generations/validation";
import { mediaKeyFor } from "../media/keys";
import { builder } from "./builder";
import { GenerationRef, ResolutionEnum, SeedSourceEnum, generationIdFrom } from "./generation";

/**
 * Reproducibility: every generation's manifest (what produced it), regenerateVideo (a new
 * generation from another's manifest, linked to it), and videoOrigin (which generation
 * produced a given video).
 */

const GenerationManifestRef = builder.objectRef<GenerationRow>("GenerationManifest").implement({
  description:
    "Everything that produced this generation's video: replaying `upstreamRequestBody` against `modelSlug` (same seed) is how regenerateVideo reproduces it.",
  fields: (t) => ({
    modelSlug: t.exposeString("modelSlug", { description: "The Segmind model slug it ran on." }),
    upstream: t.exposeString("upstream", { description: '"sandbox" (built-in stand-in) or "segmind".' }),
    upstreamMode: t.exposeString("upstreamMode", { description: '"v2" (async) or "v1" (sync).' }),
    upstreamBaseUrl: t.exposeString("upstreamBaseUrl", { description: "The base URL of the upstream it ran on." }),
    upstreamRequestBody: t.exposeString("upstreamRequestBody", {
      description: "The exact JSON body sent to Segmind, byte for byte (seed included).",
    }),
    requestedSeed: t.int({
      nullable: true,
      description: "The seed the client asked for; null when it gave none and the gateway drew one.",
      resolve: (g) => (g.seedSource === "CLIENT" ? g.seed : null),
    }),
    seedSource: t.field({ type: SeedSourceEnum, description: "Who chose the seed.", resolve: (g) => g.seedSource as "CLIENT" | "GATEWAY" }),
    seed: t.exposeInt("seed", { description: "The seed sent to Segmind (always known)." }),
    upstreamSeed: t.exposeInt("upstreamSeed", {
      nullable: true,
      description: "The seed Segmind echoed with the result; null until it answered (or if it did not).",
    }),
    gatewayVersion: t.exposeString("gatewayVersion", {
      nullable: true,
      description: "The gateway's version that created it; null for generations older than the manifest.",
    }),
    imageUrl: t.exposeString("imageUrl", { description: "The first frame's URL, as sent." }),
    imageSha256: t.exposeString("imageSha256", {
      nullable: true,
      description:
        "sha256 of the first frame as the gateway fetched it before submitting; null when it could not (an event says why).",
    }),
    imageBytes: t.exposeInt("imageBytes", { nullable: true, description: "Size of the first frame as fetched; null when it could not be." }),
    videoSha256: t.exposeString("videoSha256", { nullable: true, description: "sha256 of the stored video." }),
    videoBytes: t.exposeInt("videoBytes", { nullable: true, description: "Size of the stored video." }),
    videoContentType: t.exposeString("videoContentType", { nullable: true, description: "Media type of the stored video." }),
    createdAt: t.field({ type: "DateTime", description: "When the request was recorded.", resolve: (g) => g.createdAt }),
  }),
});

builder.objectFields(GenerationRef, (t) => ({
  manifest: t.field({
    type: GenerationManifestRef,
    description: "What produced this video, complete enough to reproduce it.",
    resolve: (g) => g,
  }),
  derivedFrom: t.field({
    type: GenerationRef,
    nullable: true,
    description: "The generation whose manifest regenerateVideo made this one from (null if none, or not visible to you).",
    resolve: (g, _args, context) => (g.derivedFromId ? context.loaders.generationById.load(g.derivedFromId) : null),
  }),
  derivations: t.field({
    type: [GenerationRef],
    description: "Generations regenerateVideo made from this one, oldest first (those visible to you).",
    resolve: (g, _args, context) => context.loaders.derivationsByGenerationId.load(g.id),
  }),
}));

const RegenerateOverrides = builder.inputType("RegenerateOverrides", {
  description: "What to change; everything omitted is taken from the source's manifest, the seed included.",
  fields: (t) => ({
    prompt: t.string({ description: `1 to ${PROMPT_MAX_LENGTH} characters.` }),
    imageUrl: t.string({ description: "Another first frame: an http(s) URL Segmind can fetch." }),
    duration: t.int({ description: "Seconds: 5 or 10." }),
    resolution: t.field({ type: ResolutionEnum, description: "Another size." }),
    seed: t.int({ description: `${SEED_MIN} to ${SEED_MAX}; omitted: the source's seed (same input, same video).` }),
    cameraFixed: t.boolean({ description: "true: ask the model to keep the camera still." }),
    idempotencyKey: t.string({ description: "For this request; never copied from the source." }),
    deadline: t.field({ type: "DateTime", description: "For this request; never copied from the source." }),
  }),
});

const RegenerateVideoPayload = builder
  .objectRef<{ generation: GenerationRow; replayed: boolean; source: GenerationRow }>("RegenerateVideoPayload")
  .implement({
    description: "The new generation (QUEUED, linked to its source), or the earlier one when replayed.",
    fields: (t) => ({
      generation: t.field({ type: GenerationRef, description: "The new generation.", resolve: (payload) => payload.generation }),
      source: t.field({ type: GenerationRef, description: "The generation it was made from.", resolve: (payload) => payload.source }),
      replayed: t.exposeBoolean("replayed", {
        description: "true when an earlier generation with this idempotencyKey was returned.",
      }),
    }),
  });

builder.mutationField("regenerateVideo", (t) =>
  t.field({
    type: RegenerateVideoPayload,
    description:
      "A new generation from another's manifest (its exact upstream body, same seed unless overridden), linked to it (derivedFrom), under your own budget. Needs the `generate` scope; an id you cannot see is not found.",
    args: {
      id: t.arg.id({ required: true, description: "The source Generation's global id (or its raw UUID)." }),
      overrides: t.arg({ type: RegenerateOverrides, description: "What to change; omitted: nothing (same input, same seed)." }),
    },
    errors: {
      types: [InvalidInputError, IdempotencyConflictError, BudgetExceededError, BusyError, GenerationNotFoundError],
      directResult: true,
      union: {
        name: "RegenerateVideoResult",
        description: "RegenerateVideoPayload, or why nothing was stored or sent (an Error).",
      },
    },
    resolve: async (_root, { id, overrides }, context) => {
      requireScope(context.principal, "generate");
      const localId = generationIdFrom(String(id));
      // Another team's generation is not found, exactly like a missing one (the loader filters).
      const source = await context.loaders.generationById.load(localId);
      if (!source) throw new GenerationNotFoundError(String(id));
      const { services } = context;
      const { teamId, keyId, clientAddress } = context.principal;
      const created = await createGeneration(services, regenerationRequest(source, overrides ?? {}), {
        teamId,
        apiKeyId: keyId,
        clientAddress,
        derivedFromId: source.id,
      });
      if (!created.replayed) services.worker.enqueue(created.generation.id, created.generation);
      context.loaders.generationById.prime(created.generation.id, created.generation);
      return { ...created, source };
    },
  }),
);

const SHA256 = /^[0-9a-f]{64}$/i;

builder.queryField("videoOrigin", (t) =>
  t.field({
    type: GenerationRef,
    nullable: true,
    description:
      "What produced this video? Give the gateway's resultUrl (or its path) or the video's sha256. By sha256 it is the earliest succeeded generation with those bytes (the same input and seed give the same bytes; `generations(filter: { videoSha256 })` lists them all). Only generations visible to you; null when none.",
    args: {
      resultUrl: t.arg.string({ description: "A resultUrl, e.g. https://gateway/media/generations/<id>.mp4." }),
      sha256: t.arg.string({ description: "The video's sha256, hex." }),
    },
    resolve: async (_root, { resultUrl, sha256 }, context) => {
      requireScope(context.principal, "read");
      if ((resultUrl == null) === (sha256 == null)) {
        throw new GraphQLError("Give exactly one of resultUrl and sha256", { extensions: { code: "BAD_USER_INPUT" } });
      }
      if (resultUrl != null) {
        const id = generationIdFromResultUrl(resultUrl);
        if (!id) throw new GraphQLError("resultUrl is not a gateway video URL (…/media/generations/<id>.mp4)", { extensions: { code: "BAD_USER_INPUT" } });
        const generation = await context.loaders.generationById.load(id);
        // Only a generation that stored its video there produced one.
        return generation?.mediaKey === mediaKeyFor(id) ? generation : null;
      }
      if (!SHA256.test(sha256 as string)) {
        throw new GraphQLError("sha256 must be 64 hexadecimal characters", { extensions: { code: "BAD_USER_INPUT" } });
      }
      const generation = await context.services.db.generation.findFirst({
        where: { videoSha256: (sha256 as string).toLowerCase(), status: "SUCCEEDED", ...visibleTo(context.principal) },
        orderBy: { id: "asc" },
      });
      if (generation) context.loaders.generationById.prime(generation.id, generation);
      return generation;
    },
  }),
);
