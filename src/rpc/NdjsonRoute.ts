/**
 * `POST /rpc`: the Effect RPC server (NDJSON) behind a guard. The guard checks the bearer token of the
 * HTTP `authorization` header before reading the body (401, 503 with Retry-After), caps the body
 * (413), checks its framing (400 naming the line and field), and only then hands the parsed messages
 * to the RPC server (BufferedProtocol.ts), whose middleware checks the token of every call again
 * (per-message headers win); a body of one `Ingest` call takes the same steps without it (IngestFastPath.ts).
 * Refusals are `{_tag, message, …}` JSON like REST; the typed client turns them into typed failures.
 */
import { HttpLayerRouter, type HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect, Option } from "effect"
import { readBytes } from "../http/Body.js"
import { TokenStore, type TokenStoreService } from "../../services/TokenStore.js"
import { authenticate } from "./Bearer.js"
import { MAX_CALLS_PER_BODY, MAX_RPC_BODY_BYTES, refusedUnread, tooLarge } from "./Edge.js"
import { HubRpcs } from "./HubRpcs.js"
import * as BufferedProtocol from "./BufferedProtocol.js"
import * as IngestFastPath from "./IngestFastPath.js"
import * as NdjsonFraming from "./NdjsonFraming.js"

const tags: ReadonlySet<string> = new Set(HubRpcs.requests.keys())

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
export const guarded = (
  tokens: TokenStoreService,
  rpc: BufferedProtocol.BufferedRpc,
  limits: GuardLimits,
  fastPath: Option.Option<IngestFastPath.FastPath> = Option.none()
) =>
(
  request: HttpServerRequest.HttpServerRequest
): Effect.Effect<HttpServerResponse.HttpServerResponse> =>
  Effect.gen(function*() {
    yield* authenticate(tokens, request.headers["authorization"])
    const body = yield* readBytes(request, limits.maxBodyBytes)
    const messages = yield* NdjsonFraming.check(body, limits.tags, limits.maxCalls)
    const [only] = messages
    if (Option.isSome(fastPath) && messages.length === 1 && only?.tag === "Ingest") {
      return BufferedProtocol.toResponse(rpc, yield* fastPath.value(only, request.headers))
    }
    return BufferedProtocol.toResponse(rpc, yield* rpc.run(messages, Object.entries(request.headers)))
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
    const rpc = yield* BufferedProtocol.serve(HubRpcs)
    const fastPath = yield* IngestFastPath.make
    yield* router.add(
      "POST",
      "/rpc",
      guarded(tokens, rpc, { tags, maxBodyBytes: MAX_RPC_BODY_BYTES, maxCalls: MAX_CALLS_PER_BODY }, fastPath)
    )
  })
)
