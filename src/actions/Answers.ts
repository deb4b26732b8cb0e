/**
 * Action answers over HTTP: the provider's answer as 200, every failure as its status with a JSON body
 * `{_tag, error, message, …fields}` (the hub's tag, the seed's code). A 402 carries `upgrade`.
 */
import { HttpServerResponse } from "@effect/platform"
import { type ActionError, errorCode } from "../../services/Actions.js"

export const statusOf: { readonly [T in ActionError["_tag"]]: number } = {
  ValidationError: 400,
  Unauthorized: 401,
  ActionRateLimited: 402,
  Forbidden: 403,
  ActionIdempotencyConflict: 409,
  PayloadTooLarge: 413,
  ActionUpstreamError: 502,
  Unavailable: 503,
  ActionNotConfigured: 503,
  ActionUpstreamTimeout: 504
}

/** The JSON body of a failure. */
export const bodyOf = (e: ActionError): Record<string, unknown> =>
  Object.assign<Record<string, unknown>, object>({ _tag: e._tag, error: errorCode[e._tag], message: e.message }, e)

export const failure = (e: ActionError, headers: Readonly<Record<string, string>> = {}) =>
  HttpServerResponse.unsafeJson(bodyOf(e), { status: statusOf[e._tag], headers })

/** A 404 for an action name that is not one (REST only: the path names it). */
export const unknownAction = (message: string, headers: Readonly<Record<string, string>> = {}) =>
  HttpServerResponse.unsafeJson({ _tag: "NotFound", error: "unknown_action", message }, { status: 404, headers })
