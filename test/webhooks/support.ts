import { systemClock } from "../../src/clock";
import { type EndpointInput, createEndpoint } from "../../src/webhooks/manage";
import type { Harness } from "../support/harness";

/** An endpoint as an operator or a team would create it (through the management code). */
export async function addEndpoint(harness: Harness, teamId: string | null, input: EndpointInput) {
  return createEndpoint(
    {
      db: harness.db,
      clock: systemClock,
      secrets: harness.gateway.services.webhooks.secrets,
      allowPrivateTargets: true,
      actor: { keyId: null, teamId: null, clientAddress: "test" },
    },
    { teamId },
    input,
  );
}

/** Waits until the webhook queue has nothing scheduled or running. */
export async function webhooksIdle(harness: Harness): Promise<void> {
  await harness.gateway.services.webhooks.dispatcher.idle();
}

export const FINAL_EVENTS = ["generation.succeeded", "generation.failed", "generation.canceled", "generation.expired"];
