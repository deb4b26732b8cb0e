/**
 * Serves HubRpcs over HTTP: NDJSON at `/rpc` for the TypeScript client (the Effect RPC server behind
 * a guard, NdjsonRoute.ts) and JSON-RPC 2.0 at `/jsonrpc` for everyone else (JsonRpc.ts).
 */
import { RpcSerialization } from "@effect/rpc"
import { Effect, Layer } from "effect"
import { CurrentPrincipal } from "../domain/Principal.js"
import { Heartbeats } from "../../services/Heartbeats.js"
import { Ingest } from "../../services/Ingest.js"
import { TokenStore } from "../../services/TokenStore.js"
import { AuthMiddleware } from "./AuthMiddleware.js"
import { authenticate } from "./Bearer.js"
import * as CredentialsHandlers from "./CredentialsHandlers.js"
import { callLimits, ingestOne, withinLimit } from "./Edge.js"
import { HubRpcs } from "./HubRpcs.js"
import * as JsonRpc from "./JsonRpc.js"
import * as NdjsonRoute from "./NdjsonRoute.js"

/** Every call's token (HTTP `authorization` merged with the message's own headers, which win). */
export const AuthMiddlewareLive = Layer.effect(
  AuthMiddleware,
  Effect.map(TokenStore, (tokens) => AuthMiddleware.of(({ headers }) => authenticate(tokens, headers["authorization"])))
)

export const HandlersLive = HubRpcs.toLayer(Effect.gen(function*() {
  const ingest = yield* Ingest
  const heartbeats = yield* Heartbeats
  const credentials = yield* CredentialsHandlers.make
  return HubRpcs.of({
    Heartbeat: (heartbeat) =>
      withinLimit(heartbeat, callLimits.Heartbeat, "the heartbeat").pipe(
        Effect.zipRight(CurrentPrincipal),
        Effect.flatMap((p) => heartbeats.receive(heartbeat, p))
      ),
    Ingest: (envelope) => Effect.flatMap(CurrentPrincipal, (p) => ingestOne(ingest, envelope, p)),
    IngestBatch: ({ checkpoint, envelopes }) => Effect.flatMap(CurrentPrincipal, (p) => ingest.acceptBatch(envelopes, p, checkpoint)),
    GetCheckpoint: ({ key }) =>
      withinLimit(key, callLimits.GetCheckpoint, "the checkpoint key").pipe(
        Effect.zipRight(CurrentPrincipal),
        Effect.flatMap((p) => ingest.getCheckpoint(key, p))
      ),
    ConnectorCredentials: credentials
  })
}))

export const RoutesLive = Layer.mergeAll(
  NdjsonRoute.layer.pipe(
    Layer.provide(HandlersLive),
    Layer.provide(AuthMiddlewareLive),
    Layer.provide(RpcSerialization.layerNdjson)
  ),
  JsonRpc.layer
)
