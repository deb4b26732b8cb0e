/**
 * The typed RPC client for HubRpcs over HTTP (NDJSON at `/rpc`). The bearer token travels twice: in
 * the HTTP `authorization` header, which the hub checks before it reads a body, and in every call's
 * own headers (the auth middleware), where a per-call `authorization` (RpcClient.withHeaders) wins
 * over the configured token (EFFECT_NOTES G17). A refusal the hub answers at the HTTP level (401, 413,
 * 400, 503 with a tagged JSON body) becomes the call's typed failure; any other non-200 fails the call
 * as an RpcClientError instead of leaving it unanswered.
 */
import { Headers, HttpClient, HttpClientError, HttpClientRequest, HttpClientResponse } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { RpcClient, type RpcClientError, RpcMiddleware, RpcSerialization } from "@effect/rpc"
import { Context, Effect, Layer, Option, Redacted, Schema } from "effect"
import { PayloadTooLarge, Unauthorized, Unavailable, ValidationError } from "../domain/Errors.js"
import { AuthMiddleware } from "./AuthMiddleware.js"
import { HubRpcs } from "./HubRpcs.js"

export interface Options {
  /** Base URL of the hub, e.g. http://127.0.0.1:7400 */
  readonly url: string
  readonly token: Redacted.Redacted<string>
}

/** Adds `authorization: Bearer <token>` to every call's headers unless the call already carries one. */
export const authLayer = (token: Redacted.Redacted<string>) =>
  RpcMiddleware.layerClient(AuthMiddleware, ({ request }) =>
    Effect.succeed(
      request.headers["authorization"] !== undefined
        ? request
        : { ...request, headers: Headers.set(request.headers, "authorization", `Bearer ${Redacted.value(token)}`) }
    ))

/** What the hub's `/rpc` guard answers before any call runs (NdjsonRoute.ts). */
const Refusal = Schema.Union(Unauthorized, Unavailable, PayloadTooLarge, ValidationError)
const decodeRefusal = Schema.decodeUnknownOption(Schema.parseJson(Refusal))
const encodeRefusal = Schema.encodeSync(Refusal)
const decodeRequestId = Schema.decodeUnknownOption(Schema.parseJson(Schema.Struct({ id: Schema.String })))

/** The id of the one call an HTTP request carries (the HTTP protocol sends each call on its own). */
const requestIdOf = (request: HttpClientRequest.HttpClientRequest): Option.Option<string> =>
  request.body._tag === "Uint8Array"
    ? Option.map(decodeRequestId(new TextDecoder().decode(request.body.body).split("\n")[0] ?? ""), (r) => r.id)
    : Option.none()

/** The call's Exit as the RPC server would have sent it, failing with the refusal. */
const asExit = (request: HttpClientRequest.HttpClientRequest, requestId: string, refusal: typeof Refusal.Type) =>
  HttpClientResponse.fromWeb(
    request,
    new Response(
      `${JSON.stringify({ _tag: "Exit", requestId, exit: { _tag: "Failure", cause: { _tag: "Fail", error: encodeRefusal(refusal) } } })}\n`,
      { status: 200, headers: { "content-type": "application/ndjson" } }
    )
  )

const settleStatus = (response: HttpClientResponse.HttpClientResponse) =>
  response.status === 200
    ? Effect.succeed(response)
    : Effect.flatMap(response.text, (text) => {
      const refusal = decodeRefusal(text)
      const requestId = requestIdOf(response.request)
      return Option.isSome(refusal) && Option.isSome(requestId)
        ? Effect.succeed(asExit(response.request, requestId.value, refusal.value))
        : Effect.fail(
          new HttpClientError.ResponseError({
            request: response.request,
            response,
            reason: "StatusCode",
            description: `the hub answered HTTP ${response.status}: ${text.slice(0, 200)}`
          })
        )
    })

/** The HTTP protocol to a hub at `url`, sending `token` in the HTTP `authorization` header. */
export const protocolLayer = (url: string, token: Redacted.Redacted<string>) =>
  Layer.scoped(
    RpcClient.Protocol,
    Effect.flatMap(HttpClient.HttpClient, (client) =>
      RpcClient.makeProtocolHttp(
        client.pipe(
          HttpClient.mapRequest(HttpClientRequest.prependUrl(`${url.replace(/\/+$/, "")}/rpc`)),
          HttpClient.mapRequest(HttpClientRequest.bearerToken(Redacted.value(token))),
          HttpClient.transformResponse(Effect.flatMap(settleStatus))
        )
      ))
  ).pipe(
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
    Layer.provide(Layer.merge(protocolLayer(options.url, options.token), authLayer(options.token)))
  )
