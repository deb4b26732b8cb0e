/**
 * The SDK routes' answers over HTTP: every failure as its status with a JSON body `{_tag, message,
 * …fields}`. 503s carry Retry-After (an open breaker's cool-down when known). A failure that is the
 * hub's own (a connector module that does not load, a connector that broke its lifecycle contract) is
 * a 500 with one error log line.
 */
import { HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"
import type { PayloadTooLarge, Unauthorized, ValidationError } from "../domain/Errors.js"
import type { OperationError } from "../../services/ConnectorOperations.js"

/** What a route may answer: what ConnectorOperations may fail with, plus the edge's own refusals. */
export type RouteError = OperationError | Unauthorized | ValidationError | PayloadTooLarge

export const statusOf: { readonly [T in RouteError["_tag"]]: number } = {
  ValidationError: 400,
  ResourceInvalid: 400,
  Unauthorized: 401,
  RoleDenied: 403,
  ConnectorUnknown: 404,
  ResourceNotFound: 404,
  ResourceConflict: 409,
  ConnectorDisabled: 409,
  PayloadTooLarge: 413,
  ConnectorLoadFailed: 500,
  ConnectorNotConnected: 500,
  ConnectorUnavailable: 503,
  Unavailable: 503
}

const retryAfterS = (e: RouteError): number | undefined =>
  e._tag === "Unavailable"
    ? e.retry_after_s
    : e._tag === "ConnectorUnavailable"
    ? Math.max(1, Math.ceil((e.retry_after_ms ?? 1000) / 1000))
    : undefined

/** The JSON body of a failure: its tag, message and fields (never a payload value or a secret). */
export const bodyOf = (e: RouteError): Record<string, unknown> =>
  Object.assign<Record<string, unknown>, object>({ _tag: e._tag, message: e.message }, e)

/** The response for a failure; a hub fault (5xx other than 503) is logged once. */
export const failure = (route: string, e: RouteError): Effect.Effect<HttpServerResponse.HttpServerResponse> => {
  const status = statusOf[e._tag]
  const retry = retryAfterS(e)
  const response = HttpServerResponse.unsafeJson(bodyOf(e), {
    status,
    headers: retry === undefined ? {} : { "retry-after": String(retry) }
  })
  return status >= 500 && status !== 503
    ? Effect.logError("sdk: request failed inside the hub").pipe(
      Effect.annotateLogs({ route, status, cause: `${e._tag}: ${e.message.slice(0, 300)}` }),
      Effect.as(response)
    )
    : Effect.succeed(response)
}
