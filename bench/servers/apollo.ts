// The peer: the gateway's own Pothos schema and context (services from composeGateway, the same
// authenticate + createContext as yoga's context factory) served by Apollo Server 5's
// standalone server instead of yoga. No worker is started: the bench only reads here.
import { randomUUID } from "node:crypto";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { authenticate } from "../../src/auth/authenticate";
import { composeGateway } from "../../src/compose";
import { loadConfig } from "../../src/config";
import { type GatewayContext, createContext } from "../../src/context";
import { silentLogger } from "../../src/logger";
import { schema } from "../../src/schema";

const config = loadConfig(process.env);
const { gateway } = await composeGateway(config, silentLogger);
const services = gateway.services;
const server = new ApolloServer<GatewayContext>({ schema });
await startStandaloneServer(server, {
  listen: { port: config.PORT, host: "127.0.0.1" },
  context: async ({ req }) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
    const principal = await authenticate({ headers } as Request, req.socket.remoteAddress ?? null, {
      db: services.db,
      clock: services.clock,
      allowAnonymous: config.ALLOW_ANONYMOUS,
    });
    return createContext(services, randomUUID(), new AbortController().signal, principal);
  },
});
process.once("SIGTERM", () => process.exit(0));
