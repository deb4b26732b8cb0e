/**
 * The REST surface of the outbound actions: `POST /actions/{action}`, `GET /actions/usage`,
 * `GET /actions/health` (no token; configured or not, nothing more) and CORS preflights on `/actions/*`.
 * The bearer token is checked before the body is read; with ACTIONS_ALLOW_ANONYMOUS=true a call
 * without one is an anonymous caller on the free plan, keyed by a hash of its address.
 */
import { HttpLayerRouter, type HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Config, Effect, Option } from "effect"
import { createHash } from "node:crypto"
import { readJson } from "../http/Body.js"
import { authenticate } from "../rpc/Bearer.js"
import { Actions, type Caller } from "../../services/Actions.js"
import { TokenStore } from "../../services/TokenStore.js"
import * as Answers from "./Answers.js"
import { isActionName, MAX_ACTION_BODY_BYTES, actionNames } from "../domain/ActionCatalog.js"
import * as Cors from "./Cors.js"

export const AllowAnonymousFromEnv = Config.boolean("ACTIONS_ALLOW_ANONYMOUS").pipe(Config.withDefault(false))

/** The anonymous caller of an address (its hash: an address never reaches the database or a log). */
export const anonymousCaller = (address: string): Caller => ({
  id: `anon_${createHash("sha256").update(address, "utf8").digest("hex").slice(0, 16)}`,
  plan: "free",
  role: "anonymous"
})

export const layer = HttpLayerRouter.use((router) =>
  Effect.gen(function*() {
    const actions = yield* Actions
    const tokens = yield* TokenStore
    const cors = yield* Cors.PolicyFromEnv
    const allowAnonymous = yield* AllowAnonymousFromEnv

    const callerOf = (request: HttpServerRequest.HttpServerRequest) => {
      const header = request.headers["authorization"]
      if (header === undefined && allowAnonymous) {
        return Effect.succeed(anonymousCaller(Option.getOrElse(request.remoteAddress, () => "unknown")))
      }
      return Effect.map(authenticate(tokens, header), (p): Caller => ({ id: p.token_id, plan: p.plan ?? "free", role: p.role }))
    }

    /** Runs `answer` with the CORS decision for the request's Origin (a refused origin gets a 403, no CORS). */
    const withCors = (
      request: HttpServerRequest.HttpServerRequest,
      answer: (headers: Readonly<Record<string, string>>) => Effect.Effect<HttpServerResponse.HttpServerResponse>
    ) => {
      const decision = Cors.decide(cors, request.headers["origin"], request.headers["host"])
      if (decision._tag === "Refuse") {
        return Effect.succeed(HttpServerResponse.unsafeJson({
          _tag: "Forbidden",
          error: "origin_not_allowed",
          message: `origin ${JSON.stringify(decision.origin)} is not in ALLOWED_ORIGINS`
        }, { status: 403 }))
      }
      return answer(decision._tag === "Allow" ? decision.headers : {})
    }

    const send = (request: HttpServerRequest.HttpServerRequest, name: string) =>
      withCors(request, (headers) =>
        actions.run(
          {
            action: name,
            body: readJson(request, MAX_ACTION_BODY_BYTES),
            idempotencyKey: request.headers["idempotency-key"]
          },
          callerOf(request)
        ).pipe(
          Effect.map((outcome) =>
            HttpServerResponse.unsafeJson(outcome.answer, {
              status: 200,
              headers: outcome.replayed ? { ...headers, "idempotent-replayed": "true" } : headers
            })
          ),
          Effect.catchAll((e) =>
            Effect.succeed(
              e._tag === "ValidationError" && !isActionName(name)
                ? Answers.unknownAction(`no action named ${JSON.stringify(name.slice(0, 64))}; one of ${actionNames.join(", ")}`, headers)
                : Answers.failure(e, headers)
            )
          )
        ))

    const usage = (request: HttpServerRequest.HttpServerRequest) =>
      withCors(request, (headers) =>
        callerOf(request).pipe(
          Effect.flatMap(actions.usage),
          Effect.map((report) => HttpServerResponse.unsafeJson(report, { headers })),
          Effect.catchAll((e) => Effect.succeed(Answers.failure(e, headers)))
        ))

    const health = (request: HttpServerRequest.HttpServerRequest) =>
      withCors(request, (headers) => Effect.succeed(HttpServerResponse.unsafeJson(actions.health, { headers })))

    const preflight = (request: HttpServerRequest.HttpServerRequest) =>
      withCors(request, (headers) =>
        Effect.succeed(HttpServerResponse.empty({ status: 204, headers: { ...headers, ...Cors.preflightHeaders } })))

    yield* router.add("GET", "/actions/health", health)
    yield* router.add("GET", "/actions/usage", usage)
    yield* router.add(
      "POST",
      "/actions/:action",
      (request) => Effect.flatMap(HttpLayerRouter.params, ({ action = "" }) => send(request, action))
    )
    yield* router.add("OPTIONS", "/actions/*", preflight)
  })
)
