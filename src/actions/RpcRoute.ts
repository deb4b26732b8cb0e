/**
 * `POST /actions/rpc`: ActionsRpcs (NDJSON) behind the same guard as `/rpc`: the bearer token is checked
 * before the body is read, the body is capped and its framing checked, and the auth middleware checks
 * every call's token again.
 */
import { HttpLayerRouter } from "@effect/platform"
import { RpcSerialization } from "@effect/rpc"
import { Effect, Layer } from "effect"
import { CurrentPrincipal } from "../domain/Principal.js"
import * as BufferedProtocol from "../rpc/BufferedProtocol.js"
import { guarded } from "../rpc/NdjsonRoute.js"
import { AuthMiddlewareLive } from "../rpc/Server.js"
import { Actions, type Caller } from "../../services/Actions.js"
import { TokenStore } from "../../services/TokenStore.js"
import { MAX_ACTION_BODY_BYTES } from "../domain/ActionCatalog.js"
import { ActionsRpcs } from "./Rpcs.js"

export const PATH = "/actions/rpc"

/** One call's body plus its envelope; a few calls per request. */
const MAX_BODY_BYTES = 4 * (MAX_ACTION_BODY_BYTES + 4096)
const MAX_CALLS = 4

const tags: ReadonlySet<string> = new Set(ActionsRpcs.requests.keys())

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
    const rpc = yield* BufferedProtocol.serve(ActionsRpcs)
    yield* router.add("POST", PATH, guarded(tokens, rpc, { tags, maxBodyBytes: MAX_BODY_BYTES, maxCalls: MAX_CALLS }))
  })
).pipe(
  Layer.provide(HandlersLive),
  Layer.provide(AuthMiddlewareLive),
  Layer.provide(RpcSerialization.layerNdjson)
)
