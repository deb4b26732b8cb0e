/**
 * `POST /jsonrpc`: JSON-RPC 2.0 for clients in any language, over the same use cases as `/rpc` and REST.
 * The bearer token is checked before the body is read (401, 503 with Retry-After), the body is capped
 * (413), and everything decided from the body is an HTTP 200 with JSON-RPC answers in request order,
 * or 204 when only notifications were sent. Codes: JsonRpcProtocol.ts.
 */
import { HttpLayerRouter, type HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Cause, Effect, Either, Option, Schema } from "effect"
import { CheckpointAnswer } from "../domain/Checkpoint.js"
import { HeartbeatAnswer } from "../domain/Heartbeat.js"
import { BatchAnswer, IngestAnswer } from "../domain/IngestAnswer.js"
import type { Principal } from "../domain/Principal.js"
import { readBytes } from "../http/Body.js"
import { Heartbeats } from "../../services/Heartbeats.js"
import { Ingest } from "../../services/Ingest.js"
import { TokenStore } from "../../services/TokenStore.js"
import { authenticate } from "./Bearer.js"
import { callLimits, MAX_CALLS_PER_BODY, MAX_RPC_BODY_BYTES, refusedUnread, tooLarge, withinLimit } from "./Edge.js"
import * as Protocol from "./JsonRpcProtocol.js"

/** Calls of one batch run at once (answers keep request order). */
const BATCH_CONCURRENCY = 8

type Params = Protocol.Call["params"]

const isList = (params: Params): params is ReadonlyArray<unknown> => Array.isArray(params)

/** A method: from `params` either the call to run, or what is wrong with their shape (-32602). */
type Method = (params: Params, principal: Principal) => Either.Either<Effect.Effect<unknown, Protocol.AppError>, string>

const method = <I>(
  input: (params: Params) => Either.Either<I, string>,
  run: (input: I, principal: Principal) => Effect.Effect<unknown, Protocol.AppError>
): Method =>
(params, principal) => Either.map(input(params), (i) => run(i, principal))

/** `params` is the one document itself, or an array holding exactly it. */
const oneDocument = (method: string, what: string) => (params: Params): Either.Either<unknown, string> =>
  params === undefined
    ? Either.left(`${method} takes ${what} as "params" (an object, or an array holding it)`)
    : isList(params)
    ? params.length === 1
      ? Either.right(params[0])
      : Either.left(`${method} by position takes exactly one element, ${what} (got ${params.length})`)
    : Either.right(params)

interface BatchParams {
  readonly envelopes: ReadonlyArray<unknown>
  /** The connector's cursor, committed with the batch (issue 15); validated by the use case. */
  readonly checkpoint?: unknown
}

/** `{"envelopes": [...], "checkpoint"?: {...}}` or `[[...]]` / `[[...], {...}]`. */
const envelopeList = (params: Params): Either.Either<BatchParams, string> => {
  const shape = `IngestBatch takes {"envelopes": [ ... ], "checkpoint"?: { ... }} (or [[ ... ]] by position) with 1 to ${MAX_CALLS_PER_BODY} ingest.v1 envelopes (0 with a checkpoint)`
  if (params === undefined) return Either.left(shape)
  if (isList(params)) {
    const [only, checkpoint] = params
    return (params.length === 1 || params.length === 2) && Array.isArray(only)
      ? Either.right(params.length === 2 ? { envelopes: only, checkpoint } : { envelopes: only })
      : Either.left(shape)
  }
  const keys = Object.keys(params)
  const unknown = keys.find((key) => key !== "envelopes" && key !== "checkpoint")
  if (unknown !== undefined) return Either.left(`${shape}; unknown member ${JSON.stringify(unknown.slice(0, 40))}`)
  const envelopes = params["envelopes"]
  if (!Array.isArray(envelopes)) return Either.left(`${shape}; "envelopes" must be an array`)
  return Either.right("checkpoint" in params ? { envelopes, checkpoint: params["checkpoint"] } : { envelopes })
}

/** `{"key": {connector_type, source}}` or `[{...}]`. */
const checkpointKey = (params: Params): Either.Either<unknown, string> => {
  const shape = `GetCheckpoint takes {"key": {"connector_type": …, "source": {"channel": …, "provider": …, "endpoint_identity": …}}} (or [ key ] by position)`
  if (params === undefined) return Either.left(shape)
  if (isList(params)) return params.length === 1 ? Either.right(params[0]) : Either.left(shape)
  const keys = Object.keys(params)
  const unknown = keys.find((key) => key !== "key")
  if (unknown !== undefined || !("key" in params)) return Either.left(unknown === undefined ? shape : `${shape}; unknown member ${JSON.stringify(unknown.slice(0, 40))}`)
  return Either.right(params["key"])
}

const encodeIngest = Schema.encode(IngestAnswer)
const encodeBatch = Schema.encode(BatchAnswer)
const encodeHeartbeat = Schema.encode(HeartbeatAnswer)
const encodeCheckpoint = Schema.encode(CheckpointAnswer)

const summary = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  return (text.split("\n")[0] ?? "").slice(0, 300)
}

const json = (body: unknown, status: number) => HttpServerResponse.unsafeJson(body, { status })

export const layer = HttpLayerRouter.use((router) =>
  Effect.gen(function*() {
    const tokens = yield* TokenStore
    const ingest = yield* Ingest
    const heartbeats = yield* Heartbeats

    /** A one-document call: its size limit first, then the use case, then the answer encoded. */
    const limited = <A, E>(
      limit: number,
      what: string,
      run: (input: unknown, principal: Principal) => Effect.Effect<A, E>,
      encode: (a: A) => Effect.Effect<unknown, unknown>
    ) =>
    (input: unknown, principal: Principal) =>
      withinLimit(input, limit, what).pipe(
        Effect.zipRight(run(input, principal)),
        Effect.flatMap((a) => Effect.orDie(encode(a)))
      )

    const methods: { readonly [name: string]: Method } = {
      Ingest: method(
        oneDocument("Ingest", "the ingest.v1 envelope"),
        limited(callLimits.Ingest, "the envelope", ingest.accept, encodeIngest)
      ),
      IngestBatch: method(
        envelopeList,
        (input, principal) =>
          Effect.flatMap(ingest.acceptBatch(input.envelopes, principal, input.checkpoint), (a) => Effect.orDie(encodeBatch(a)))
      ),
      GetCheckpoint: method(
        checkpointKey,
        limited(callLimits.GetCheckpoint, "the checkpoint key", ingest.getCheckpoint, encodeCheckpoint)
      ),
      Heartbeat: method(
        oneDocument("Heartbeat", "the connector.heartbeat.v1 message"),
        limited(callLimits.Heartbeat, "the heartbeat", heartbeats.receive, encodeHeartbeat)
      )
    }
    const served = Object.keys(methods)

    /** One call's answer; None for a notification, which is run but never answered. */
    const answer = (call: Protocol.Call, principal: Principal): Effect.Effect<Option.Option<Protocol.Response>> => {
      const id = Option.getOrNull(call.id)
      const found = Object.hasOwn(methods, call.method) ? methods[call.method] : undefined
      const response: Effect.Effect<Protocol.Response> = found === undefined
        ? Effect.succeed(Protocol.methodNotFound(id, call.method, served))
        : Either.match(found(call.params, principal), {
          onLeft: (detail) => Effect.succeed(Protocol.invalidParams(id, detail)),
          onRight: (run) =>
            run.pipe(
              Effect.map((result) => Protocol.success(id, result)),
              Effect.catchAll((error) => Effect.succeed(Protocol.appFailure(id, error))),
              Effect.catchAllCause((cause) =>
                Effect.logError("jsonrpc: a call failed inside the hub").pipe(
                  Effect.annotateLogs({ method: call.method, cause: summary(cause) }),
                  Effect.as(Protocol.internalError(id))
                )
              )
            )
        })
      return response.pipe(
        Effect.map((r) => (Option.isSome(call.id) ? Option.some(r) : Option.none())),
        Effect.withSpan("JsonRpc.call", { attributes: { method: call.method.slice(0, 100) } })
      )
    }

    const checked = (request: Either.Either<Protocol.Call, Protocol.Response>, principal: Principal) =>
      Either.match(request, {
        onLeft: (invalid) => Effect.succeed(Option.some(invalid)),
        onRight: (call) => answer(call, principal)
      })

    const noContent = HttpServerResponse.empty({ status: 204 })

    const handle = (request: HttpServerRequest.HttpServerRequest) =>
      Effect.gen(function*() {
        const principal = yield* authenticate(tokens, request.headers["authorization"])
        const body = yield* readBytes(request, MAX_RPC_BODY_BYTES)
        const parsed = Protocol.parse(body, MAX_CALLS_PER_BODY)
        switch (parsed._tag) {
          case "Refused":
            return json(parsed.response, 200)
          case "Single":
            return Option.match(yield* checked(parsed.request, principal), {
              onNone: () => noContent,
              onSome: (response) => json(response, 200)
            })
          case "Batch": {
            const answers = yield* Effect.forEach(parsed.requests, (r) => checked(r, principal), {
              concurrency: BATCH_CONCURRENCY
            })
            const sent = answers.flatMap(Option.toArray)
            return sent.length === 0 ? noContent : json(sent, 200)
          }
        }
      }).pipe(
        Effect.catchTags({
          Unauthorized: (e) => Effect.succeed(refusedUnread(request, json(Protocol.appFailure(null, e), 401))),
          Unavailable: (e) =>
            Effect.logWarning(`jsonrpc: refused with 503: ${e.message}`).pipe(
              Effect.as(refusedUnread(request, json(Protocol.appFailure(null, e), 503)))
            ),
          PayloadTooLarge: (e) => Effect.succeed(tooLarge(request, json(Protocol.appFailure(null, e), 413))),
          ValidationError: (e) => Effect.succeed(json(Protocol.appFailure(null, e), 400))
        })
      )

    yield* router.add("POST", "/jsonrpc", handle)
  })
)
