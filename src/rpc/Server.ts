/** Serves HubRpcs over HTTP: NDJSON at `/rpc` for the TypeScript client, JSON-RPC 2.0 at `/jsonrpc` for everyone else. */
import { RpcSerialization, RpcServer } from "@effect/rpc"
import { Effect, Layer, Redacted } from "effect"
import { Unauthorized, Unavailable } from "../domain/Errors.js"
import { CurrentPrincipal } from "../domain/Principal.js"
import { Heartbeats } from "../../services/Heartbeats.js"
import { Ingest } from "../../services/Ingest.js"
import { TokenStore } from "../../services/TokenStore.js"
import { AuthMiddleware } from "./AuthMiddleware.js"
import { HubRpcs } from "./HubRpcs.js"

const bearer = /^Bearer\s+(\S+)\s*$/i

export const AuthMiddlewareLive = Layer.effect(
  AuthMiddleware,
  Effect.gen(function*() {
    const tokens = yield* TokenStore
    return AuthMiddleware.of(({ headers }) => {
      const header = headers["authorization"]
      const match = header === undefined ? null : bearer.exec(header)
      if (match === null || match[1] === undefined) {
        return Effect.fail(new Unauthorized({ message: "missing bearer token (send authorization: Bearer <token>)" }))
      }
      return tokens.verify(Redacted.make(match[1])).pipe(
        Effect.catchTag("TokenStoreUnavailable", (e) =>
          Effect.fail(new Unavailable({ message: `database unavailable: ${e.message}`, retry_after_s: 2 })))
      )
    })
  })
)

export const HandlersLive = HubRpcs.toLayer(Effect.gen(function*() {
  const ingest = yield* Ingest
  const heartbeats = yield* Heartbeats
  return HubRpcs.of({
    Heartbeat: (heartbeat) => Effect.flatMap(CurrentPrincipal, (p) => heartbeats.receive(heartbeat, p)),
    Ingest: (envelope) => Effect.flatMap(CurrentPrincipal, (p) => ingest.accept(envelope, p)),
    IngestBatch: ({ envelopes }) => Effect.flatMap(CurrentPrincipal, (p) => ingest.acceptBatch(envelopes, p))
  })
}))

export const RoutesLive = Layer.mergeAll(
  RpcServer.layerHttpRouter({ group: HubRpcs, path: "/rpc", protocol: "http" }).pipe(
    Layer.provide(RpcSerialization.layerNdjson)
  ),
  RpcServer.layerHttpRouter({ group: HubRpcs, path: "/jsonrpc", protocol: "http" }).pipe(
    Layer.provide(RpcSerialization.layerJsonRpc())
  )
).pipe(Layer.provide(HandlersLive), Layer.provide(AuthMiddlewareLive))
