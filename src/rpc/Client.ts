/**
 * The typed RPC client for HubRpcs over HTTP (NDJSON at `/rpc`), with the bearer token attached by
 * the client side of the auth middleware. A per-call `authorization` header (RpcClient.withHeaders)
 * wins over the configured token (EFFECT_NOTES G17).
 */
import { Headers } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { RpcClient, type RpcClientError, RpcMiddleware, RpcSerialization } from "@effect/rpc"
import { Context, Effect, Layer, Redacted } from "effect"
import { AuthMiddleware } from "./AuthMiddleware.js"
import { HubRpcs } from "./HubRpcs.js"

export interface Options {
  /** Base URL of the hub, e.g. http://127.0.0.1:7400 */
  readonly url: string
  readonly token: Redacted.Redacted<string>
}

/** Adds `authorization: Bearer <token>` unless the call already carries one. */
export const authLayer = (token: Redacted.Redacted<string>) =>
  RpcMiddleware.layerClient(AuthMiddleware, ({ request }) =>
    Effect.succeed(
      request.headers["authorization"] !== undefined
        ? request
        : { ...request, headers: Headers.set(request.headers, "authorization", `Bearer ${Redacted.value(token)}`) }
    ))

/** The HTTP protocol to a hub at `url` (no auth). */
export const protocolLayer = (url: string) =>
  RpcClient.layerProtocolHttp({ url: `${url.replace(/\/+$/, "")}/rpc` }).pipe(
    Layer.provide(NodeHttpClient.layerUndici),
    Layer.provide(RpcSerialization.layerNdjson)
  )

/** A ready-made client as a service: `yield* HubRpcClient` then `client.Ingest(envelope)`. */
export class HubRpcClient extends Context.Tag("switchboard/HubRpcClient")<
  HubRpcClient,
  RpcClient.FromGroup<typeof HubRpcs, RpcClientError.RpcClientError>
>() {}

export const layer = (options: Options) =>
  Layer.scoped(HubRpcClient, RpcClient.make(HubRpcs)).pipe(
    Layer.provide(Layer.merge(protocolLayer(options.url), authLayer(options.token)))
  )
