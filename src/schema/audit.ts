import { requireScope } from "../auth/principal";
import { type AuditEntryRow, listAuditEntries } from "../audit/list";
import { AUDIT_ACTIONS, type AuditAction, verifyAuditTrail } from "../audit/log";
import type { ChainProblem } from "../audit/chain";
import { builder } from "./builder";
import { GenerationRef } from "./generation";

/** The audit trail, for `admin` keys only: every state-changing action, hash-chained. */

const ACTION_DESCRIPTIONS: Record<AuditAction, string> = {
  GENERATION_CREATED: "A generation was recorded (estimate, seed), by the key that asked.",
  GENERATION_SUBMITTED: "Segmind accepted its submit (upstream request id); by the worker, for the key that asked.",
  GENERATION_SETTLED: "It reached a final status (outcome, what Segmind charged); by the worker, for the key that asked.",
  GENERATION_CANCELED: "A client canceled it (pending: true while a submit was on the wire).",
  TEAM_CREATED: "A team was created.",
  KEY_CREATED: "An API key was created.",
  KEY_REVOKED: "An API key was revoked.",
  KEY_ROTATED: "An API key was replaced by a new one.",
  BUDGET_CHANGED: "A team's or key's limits changed.",
  WEBHOOK_ENDPOINT_CREATED: "A webhook endpoint was created (URL, events; never its secret).",
  WEBHOOK_ENDPOINT_UPDATED: "A webhook endpoint's URL, events, description or enabled state changed.",
  WEBHOOK_SECRET_ROTATED: "A webhook endpoint's signing secret was replaced (with the overlap during which the old one still signs).",
  WEBHOOK_ENDPOINT_DELETED: "A webhook endpoint was deleted.",
  WEBHOOK_ENDPOINT_DISABLED:
    "The gateway disabled a webhook endpoint after a day of failed deliveries (failingSince, the last error); no actor: the delivery worker did it.",
};

const AuditActionEnum = builder.enumType("AuditAction", {
  description: "What a state-changing action did.",
  values: Object.fromEntries(AUDIT_ACTIONS.map((action) => [action, { value: action, description: ACTION_DESCRIPTIONS[action] }])) as {
    [A in AuditAction]: { value: A; description: string };
  },
});

const AuditEventRef = builder.objectRef<AuditEntryRow>("AuditEvent").implement({
  description:
    "One entry of the append-only audit trail. `hash` is sha256 over its content and `prevHash` (the previous entry's hash), so an edit or a deletion anywhere breaks the chain.",
  fields: (t) => ({
    sequence: t.exposeInt("sequence", { description: "1, 2, 3, ... without gaps." }),
    at: t.field({ type: "DateTime", description: "When the action took effect.", resolve: (entry) => entry.at }),
    action: t.field({ type: AuditActionEnum, description: "What was done.", resolve: (entry) => entry.action as AuditAction }),
    actorKeyId: t.exposeString("actorKeyId", { nullable: true, description: "The API key that acted (or on whose behalf the worker did); null: anonymous or an operator's CLI." }),
    actorKeyPrefix: t.string({
      nullable: true,
      description: "That key's readable prefix.",
      resolve: (entry, _args, context) => (entry.actorKeyId ? context.loaders.keyPrefixById.load(entry.actorKeyId) : null),
    }),
    actorTeamId: t.exposeString("actorTeamId", { nullable: true, description: "The acting key's team; null: anonymous or an operator's CLI." }),
    clientAddress: t.exposeString("clientAddress", { nullable: true, description: "Where the request came from; null for the worker and the CLI." }),
    subjectType: t.exposeString("subjectType", { nullable: true, description: 'What it acted on: "Generation", "ApiKey", "Team".' }),
    subjectId: t.exposeString("subjectId", { nullable: true, description: "The id of what it acted on." }),
    generation: t.field({
      type: GenerationRef,
      nullable: true,
      description: "The generation, when the subject is one.",
      resolve: (entry, _args, context) =>
        entry.subjectType === "Generation" && entry.subjectId ? context.loaders.generationById.load(entry.subjectId) : null,
    }),
    details: t.exposeString("details", { description: "JSON: the amounts and ids involved." }),
    prevHash: t.exposeString("prevHash", { description: "The previous entry's hash (the chain's link)." }),
    hash: t.exposeString("hash", { description: "sha256 over this entry's content and prevHash, hex." }),
  }),
});

const AuditEventFilter = builder.inputType("AuditEventFilter", {
  description: "Which audit entries to list; every given condition must hold.",
  fields: (t) => ({
    teamId: t.string({ description: "The acting team." }),
    keyId: t.string({ description: "The acting API key's id." }),
    keyPrefix: t.string({ description: "The acting API key's prefix (sgw_live_<prefix>_...)." }),
    action: t.field({ type: [AuditActionEnum], description: "Any of these actions." }),
    after: t.field({ type: "DateTime", description: "At or after this instant (inclusive)." }),
    before: t.field({ type: "DateTime", description: "Before this instant (exclusive)." }),
  }),
});

builder.queryField("auditEvents", (t) =>
  t.connection(
    {
      type: AuditEventRef,
      description: "The audit trail, newest first. `admin` scope only.",
      args: { filter: t.arg({ type: AuditEventFilter, description: "Which ones; omitted: all." }) },
      resolve: (_root, args, context) => {
        requireScope(context.principal, "admin");
        return listAuditEntries(context.services.db, args);
      },
    },
    { name: "AuditEventConnection", description: "A page of audit entries (Relay cursor connection)." },
    { name: "AuditEventEdge", description: "One audit entry in a page, with its cursor." },
  ),
);

const ChainProblemKindEnum = builder.enumType("AuditChainProblemKind", {
  description: "How the audit chain was found broken.",
  values: {
    EDITED: { description: "The entry no longer matches its own hash: its content was changed." },
    BROKEN_LINK: { description: "The entry's prevHash is not the previous entry's hash: something before it was rewritten." },
    MISSING: { description: "The entry with this sequence is gone: deleted." },
  } as const,
});

const ChainProblemRef = builder.objectRef<ChainProblem>("AuditChainProblem").implement({
  description: "The first place where the audit chain does not hold.",
  fields: (t) => ({
    kind: t.field({ type: ChainProblemKindEnum, description: "What is wrong there.", resolve: (problem) => problem.kind }),
    sequence: t.exposeInt("sequence", { description: "The first entry where the chain does not hold." }),
  }),
});

const AuditTrailStatusRef = builder
  .objectRef<Awaited<ReturnType<typeof verifyAuditTrail>>>("AuditTrailStatus")
  .implement({
    description: "The whole chain, verified now (as `npm run audit -- verify` does).",
    fields: (t) => ({
      entries: t.exposeInt("entries", { description: "Entries checked." }),
      intact: t.boolean({
        description: "true when every entry matches its hash and link and the head matches.",
        resolve: (status) => status.firstProblem === null && status.headMatches,
      }),
      firstProblem: t.field({
        type: ChainProblemRef,
        nullable: true,
        description: "The first broken entry; null when there is none.",
        resolve: (status) => status.firstProblem,
      }),
      headMatches: t.exposeBoolean("headMatches", {
        description: "The last entry is the one the head row remembers; false when the newest entries were deleted.",
      }),
    }),
  });

builder.queryField("auditTrailStatus", (t) =>
  t.field({
    type: AuditTrailStatusRef,
    description: "Verifies the whole audit chain (reads every entry). `admin` scope only.",
    resolve: (_root, _args, context) => {
      requireScope(context.principal, "admin");
      return verifyAuditTrail(context.services.db);
    },
  }),
);
