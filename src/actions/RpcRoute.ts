/**
 * `POST /actions/rpc`: ActionsRpcs (NDJSON) behind the same guard as `/rpc`: the bearer token is checked
 * before the body is read, the body is capped and its framing checked, and the auth middleware checks
 * every call's token again.
 */
import { HttpLayerRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { RpcSerialization, RpcServer } from "@effect/rpc"
import { Effect, Layer } from "effect"
import { CurrentPrincipal } from "../domain/Principal.js"
import { readBytes } from "../http/Body.js"
import { authenticate } from "../rpc/Bearer.js"
import { refusedUnread, tooLarge } from "../rpc/Edge.js"
import * as NdjsonFraming from "../rpc/NdjsonFraming.js"
import { AuthMiddlewareLive } from "../rpc/Server.js"
import { Actions, type Caller } from "../../services/Actions.js"
import { TokenStore } from "../../services/TokenStore.js"
import { MAX_ACTION_BODY_BYTES } from "./Catalog.js"
import { ActionsRpcs } from "./Rpcs.js"

export const PATH = "/actions/rpc"

/** One call's body plus its envelope; a few calls per request. */
const MAX_BODY_BYTES = 4 * (MAX_ACTION_BODY_BYTES + 4096)
const MAX_CALLS = 4

const hopByHop = new Set(["connection", "content-length", "expect", "host", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade"])
const tags: ReadonlySet<string> = new Set(ActionsRpcs.requests.keys())

const buffered = (request: HttpServerRequest.HttpServerRequest, body: Uint8Array) =>
  HttpServerRequest.fromWeb(
    new Request(`http://hub.local${request.url}`, {
      method: "POST",
      headers: Object.entries(request.headers).filter(([name]) => !hopByHop.has(name)),
      body
    })
  )

const json = (body: { readonly _tag: string; readonly message: string }, status: number) =>
  HttpServerResponse.unsafeJson(body, { status })

export const HandlersLive = ActionsRpcs.toLayer(Effect.gen(function*() {
  const actions = yield* Actions
  const callerOf = Effect.map(CurrentPrincipal, (p): Caller => ({ id: p.token_id, plan: p.plan ?? "free", role: p.role }))
  return ActionsRpcs.of({
    ActionSend: ({ action, body, idempotency_key }) =>
      Effect.flatMap(callerOf, (caller) =>
        actions.run({ action, body: Effect.succeed(body), idempotencyKey: idempotency_key }, Effect.succeed(caller))),
    ActionUsage: () => Effect.flatMap(callerOf, actions.usage),
    ActionHealth: () => Effect.succeed(actions.health)
  })
}))

export const layer = HttpLayerRouter.use((router) =>
  Effect.gen(function*() {
    const tokens = yield* TokenStore
    const rpc = yield* RpcServer.toHttpApp(ActionsRpcs)
    const handle = (request: HttpServerRequest.HttpServerRequest) =>
      Effect.gen(function*() {
        yield* authenticate(tokens, request.headers["authorization"])
        const body = yield* readBytes(request, MAX_BODY_BYTES)
        yield* NdjsonFraming.check(body, tags, MAX_CALLS)
        return yield* Effect.provideService(rpc, HttpServerRequest.HttpServerRequest, buffered(request, body))
      }).pipe(
        Effect.catchTags({
          Unauthorized: (e) => Effect.succeed(refusedUnread(request, json(e, 401))),
          Unavailable: (e) => Effect.succeed(refusedUnread(request, json(e, 503))),
          PayloadTooLarge: (e) => Effect.succeed(tooLarge(request, json(e, 413))),
          ValidationError: (e) => Effect.succeed(json(e, 400))
        })
      )
    yield* router.add("POST", PATH, handle)
  })
).pipe(
  Layer.provide(HandlersLive),
  Layer.provide(AuthMiddlewareLive),
  Layer.provide(RpcSerialization.layerNdjson)
)
