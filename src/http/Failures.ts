/**
 * The catch-all at the HTTP edge: whatever a route fails with, the client gets a JSON body. A failure
 * the hub caused (a defect, an error no route mapped, an empty 5xx) becomes 500 `InternalError` with
 * one error log line naming the cause (never the request body) and a count in /metrics; a request cut
 * short because the hub is stopping is 503 `Unavailable`.
 */
import { HttpServerError, type HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Cause, Effect, Equal, Metric } from "effect"

/** 5xx answers the hub sent, by status. */
export const serverErrors = Metric.counter("switchboard_http_server_errors_total", {
  description: "HTTP 5xx answers sent by the hub, by status",
  incremental: true
})

const MAX_CAUSE_CHARS = 300

/** One line about a cause: the error's tag or name and message, cut short; no stack, no values. */
const summary = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  const text = error instanceof Error
    ? `${error.name}: ${error.message}`
    : typeof error === "object" && error !== null && "_tag" in error
    ? `${String(error._tag)}${"message" in error ? `: ${String(error.message)}` : ""}`
    : String(error)
  const line = text.split("\n")[0] ?? ""
  return line.length > MAX_CAUSE_CHARS ? `${line.slice(0, MAX_CAUSE_CHARS)}…` : line
}

const routeOf = (request: HttpServerRequest.HttpServerRequest) => {
  const path = request.url.split("?")[0] ?? ""
  return `${request.method} ${path.length > 120 ? `${path.slice(0, 120)}…` : path}`
}

const internalError = HttpServerResponse.unsafeJson(
  { _tag: "InternalError", message: "the hub failed to handle this request; the failure is logged" },
  { status: 500 }
)

const shuttingDown = HttpServerResponse.unsafeJson(
  { _tag: "Unavailable", message: "the hub is shutting down; retry against another instance or later", retry_after_s: 2 },
  { status: 503 }
)

/** A 4xx the platform answered without a body (an unknown route, most often): say what was wrong. */
const clientError = (request: HttpServerRequest.HttpServerRequest, status: number) =>
  HttpServerResponse.unsafeJson(
    status === 404
      ? { _tag: "NotFound", message: `no route for ${routeOf(request)}` }
      : { _tag: "BadRequest", message: `the request was refused (HTTP ${status})` },
    { status }
  )

const countServerError = (status: number) =>
  Metric.increment(Metric.tagged(serverErrors, "status", String(status)))

const logged = (request: HttpServerRequest.HttpServerRequest, cause: string, response: HttpServerResponse.HttpServerResponse) =>
  Effect.logError("http: request failed inside the hub").pipe(
    Effect.annotateLogs({ route: routeOf(request), status: response.status, cause }),
    Effect.zipRight(countServerError(response.status)),
    Effect.as(response)
  )

/** The response for a failed route: the platform's own for client errors, a JSON 5xx otherwise. */
const fromCause = (request: HttpServerRequest.HttpServerRequest, cause: Cause.Cause<unknown>) =>
  Effect.flatMap(HttpServerError.causeResponse(cause), ([response]) => {
    if (response.status < 500) return Effect.succeed(response.body._tag === "Empty" ? clientError(request, response.status) : response)
    if (Cause.isInterruptedOnly(cause)) return Effect.as(countServerError(503), shuttingDown)
    if (response.body._tag !== "Empty") return logged(request, summary(cause), response)
    return logged(request, summary(cause), internalError)
  })

/** A route answered an error with an empty body (e.g. a framework default): give it a JSON body. */
const emptyServerError = (request: HttpServerRequest.HttpServerRequest, response: HttpServerResponse.HttpServerResponse) =>
  response.status >= 400 && response.status < 500 && response.body._tag === "Empty"
    ? Effect.succeed(clientError(request, response.status))
    : response.status >= 500 && response.body._tag === "Empty"
    ? logged(request, `empty ${response.status} answer`, response.status === 503 ? shuttingDown : internalError)
    : response.status >= 500
    ? Effect.as(countServerError(response.status), response)
    : Effect.succeed(response)

/**
 * Wraps a route's effect so that it always ends in a response with a JSON body. (Typed as failing like
 * its input, which the router's middleware type demands; only a client abort is passed on.)
 */
export const catchAll = <E, R>(
  request: HttpServerRequest.HttpServerRequest,
  effect: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
): Effect.Effect<HttpServerResponse.HttpServerResponse, E, R> =>
  effect.pipe(
    Effect.flatMap((response) => emptyServerError(request, response)),
    Effect.catchAllCause((cause) =>
      // A client that went away needs no answer: the platform ends it (499) as before.
      isClientAbort(cause) ? Effect.failCause(Cause.interrupt(HttpServerError.clientAbortFiberId)) : fromCause(request, cause)
    )
  )

const isClientAbort = (cause: Cause.Cause<unknown>) =>
  Cause.isInterruptedOnly(cause) &&
  [...Cause.interruptors(cause)].some((id) => Equal.equals(id, HttpServerError.clientAbortFiberId))
