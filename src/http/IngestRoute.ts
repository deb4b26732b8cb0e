/**
 * `POST /api/ingest` as a plain router route (issue 14): the busiest route skips the HttpApi machinery
 * (security middleware, payload and answer codecs, per-endpoint context) and does the same steps itself:
 * the bearer token before a byte of the body is read, the body capped at the envelope limit, the `Ingest`
 * use case, 202 with the answer, and each typed failure as the JSON body and status HttpApi gives it
 * (HubApi's IngestGroup still describes the route for OpenAPI and /docs). The shared edge rules (a JSON
 * 500 for a defect, Retry-After on 429/503) are the router's global middleware, as for every route.
 */
import { HttpLayerRouter, type HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect, Redacted, Schema } from "effect"
import { MAX_ENVELOPE_BYTES } from "../domain/Envelope.js"
import { Forbidden, Overloaded, PayloadTooLarge, Unauthorized, Unavailable, ValidationError } from "../domain/Errors.js"
import { RETRY_AFTER_UNAVAILABLE_S } from "../domain/Errors.js"
import { Ingest } from "../../services/Ingest.js"
import { TokenStore } from "../../services/TokenStore.js"
import { readJson } from "./Body.js"

export const PATH = "/api/ingest"

const Failure = Schema.Union(ValidationError, Unauthorized, Forbidden, PayloadTooLarge, Overloaded, Unavailable)
type Failure = typeof Failure.Type
const encodeFailure = Schema.encodeSync(Failure)

const statusOf: { readonly [K in Failure["_tag"]]: number } = {
  ValidationError: 400,
  Unauthorized: 401,
  Forbidden: 403,
  PayloadTooLarge: 413,
  Overloaded: 429,
  Unavailable: 503
}

const failed = (e: Failure) => HttpServerResponse.unsafeJson(encodeFailure(e), { status: statusOf[e._tag] })

/** HttpApiSecurity.bearer's reading of the header: whatever follows the first 7 characters ("Bearer "). */
const bearerOf = (request: HttpServerRequest.HttpServerRequest) => (request.headers["authorization"] ?? "").slice(7)

export const layer = HttpLayerRouter.use((router) =>
  Effect.gen(function*() {
    const tokens = yield* TokenStore
    const ingest = yield* Ingest

    const principalOf = (request: HttpServerRequest.HttpServerRequest) => {
      const token = bearerOf(request)
      return token === ""
        ? Effect.fail(new Unauthorized({ message: "missing bearer token (send authorization: Bearer <token>)" }))
        : Effect.catchTag(tokens.verify(Redacted.make(token)), "TokenStoreUnavailable", (e) =>
          Effect.fail(new Unavailable({ message: `database unavailable: ${e.message}`, retry_after_s: RETRY_AFTER_UNAVAILABLE_S })))
    }

    const handle = (request: HttpServerRequest.HttpServerRequest) =>
      Effect.flatMap(principalOf(request), (principal) =>
        Effect.flatMap(readJson(request, MAX_ENVELOPE_BYTES), (body) => ingest.accept(body, principal))).pipe(
          Effect.matchEffect({
            onFailure: (e) => Effect.succeed(failed(e)),
            onSuccess: (answer) => Effect.succeed(HttpServerResponse.unsafeJson(answer, { status: 202 }))
          })
        )

    yield* router.add("POST", PATH, handle)
  })
)
