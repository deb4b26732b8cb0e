/** Bearer-token authentication for the REST API (the same tokens and rules as the RPC middleware). */
import { HttpApiMiddleware, HttpApiSecurity } from "@effect/platform"
import { Effect, Layer, Redacted, Schema } from "effect"
import { Unauthorized, Unavailable } from "../domain/Errors.js"
import { CurrentPrincipal } from "../domain/Principal.js"
import { TokenStore } from "../../services/TokenStore.js"

export class HttpAuth extends HttpApiMiddleware.Tag<HttpAuth>()("switchboard/http/HttpAuth", {
  failure: Schema.Union(Unauthorized, Unavailable),
  provides: CurrentPrincipal,
  security: { bearer: HttpApiSecurity.bearer }
}) {}

export const HttpAuthLive = Layer.effect(
  HttpAuth,
  Effect.gen(function*() {
    const tokens = yield* TokenStore
    return HttpAuth.of({
      bearer: (token) =>
        Redacted.value(token) === ""
          ? Effect.fail(new Unauthorized({ message: "missing bearer token (send authorization: Bearer <token>)" }))
          : tokens.verify(token).pipe(
            Effect.catchTag("TokenStoreUnavailable", (e) =>
              Effect.fail(new Unavailable({ message: `database unavailable: ${e.message}`, retry_after_s: 2 })))
          )
    })
  })
)
