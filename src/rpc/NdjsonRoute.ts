/**
 * `POST /rpc`: the Effect RPC server (NDJSON) behind a guard. The guard checks the bearer token of the
 * HTTP `authorization` header before reading the body (401, 503 with Retry-After), caps the body
 * (413), checks its framing (400 naming the line and field), and only then hands the buffered bytes
 * to the RPC server, whose middleware checks the token of every call again (per-message headers win).
 * Refusals are `{_tag, message, …}` JSON like REST; the typed client turns them into typed failures.
 */
import { HttpLayerRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { RpcServer } from "@effect/rpc"
import { Effect } from "effect"
import { readBytes } from "../http/Body.js"
import { TokenStore, type TokenStoreService } from "../../services/TokenStore.js"
import { authenticate } from "./Bearer.js"
import { MAX_CALLS_PER_BODY, MAX_RPC_BODY_BYTES, refusedUnread, tooLarge } from "./Edge.js"
import { HubRpcs } from "./HubRpcs.js"
import * as NdjsonFraming from "./NdjsonFraming.js"

/** Headers about the original connection or body framing, which the buffered copy must not carry. */
const hopByHop = new Set(["connection", "content-length", "expect", "host", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade"])

const tags: ReadonlySet<string> = new Set(HubRpcs.requests.keys())

/** The request again, with its body already read and checked (the RPC server reads it as text). */
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

export interface GuardLimits {
  /** The RPC tags a body may call. */
  readonly tags: ReadonlySet<string>
  readonly maxBodyBytes: number
  readonly maxCalls: number
}

/**
 * The guard in front of an RPC group's HTTP app (this route, and `/actions/rpc`): bearer token before the
 * body, the body capped and its framing checked, then the buffered bytes handed to `rpc`.
 */
export const guarded = <R>(
  tokens: TokenStoreService,
  rpc: Effect.Effect<HttpServerResponse.HttpServerResponse, never, R>,
  limits: GuardLimits
) =>
(
  request: HttpServerRequest.HttpServerRequest
): Effect.Effect<HttpServerResponse.HttpServerResponse, never, Exclude<R, HttpServerRequest.HttpServerRequest>> =>
  Effect.gen(function*() {
    yield* authenticate(tokens, request.headers["authorization"])
    const body = yield* readBytes(request, limits.maxBodyBytes)
    yield* NdjsonFraming.check(body, limits.tags, limits.maxCalls)
    return yield* Effect.provideService(rpc, HttpServerRequest.HttpServerRequest, buffered(request, body))
  }).pipe(
    Effect.catchTags({
      Unauthorized: (e) => Effect.succeed(refusedUnread(request, json(e, 401))),
      Unavailable: (e) =>
        Effect.logWarning(`rpc: refused with 503: ${e.message}`).pipe(
          Effect.as(refusedUnread(request, json(e, 503)))
        ),
      PayloadTooLarge: (e) => Effect.succeed(tooLarge(request, json(e, 413))),
      ValidationError: (e) => Effect.succeed(json(e, 400))
    })
  )

export const layer = HttpLayerRouter.use((router) =>
  Effect.gen(function*() {
    const tokens = yield* TokenStore
    const rpc = yield* RpcServer.toHttpApp(HubRpcs)
    yield* router.add("POST", "/rpc", guarded(tokens, rpc, { tags, maxBodyBytes: MAX_RPC_BODY_BYTES, maxCalls: MAX_CALLS_PER_BODY }))
  })
)
