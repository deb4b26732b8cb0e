/**
 * `POST /gmail/{endpoint_identity}/push`: Gmail's Pub/Sub push notifications. The push is verified
 * before its body is read (PushConfig.ts: the shared `?token=` or the OIDC bearer, checked with jose
 * against Google's keys for audience, issuer and service account): missing → 401, wrong → 403. The
 * body must be a Pub/Sub push whose `message.data` is `{"emailAddress", "historyId"}` for this
 * endpoint's mailbox (400 naming what is wrong). The answer is 204 once the hosted connector has
 * scheduled the history fetch; the fetch starts from the connector's saved cursor, so a push is never
 * needed again once acknowledged, even if the hub stops before the fetch runs (a restart polls first).
 * Served by the hub's push routes (src/http/PushRoutes.ts) because the gmail definition declares it.
 */
import { type HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { type ConfigError, Effect, Metric, Option, Redacted, Schema } from "effect"
import { createRemoteJWKSet, jwtVerify } from "jose"
import { timingSafeEqual } from "node:crypto"
import { MAX_ENDPOINT_IDENTITY_BYTES } from "../../domain/Envelope.js"
import { boundedProblem, excerpt } from "../../domain/Text.js"
import { readBytes } from "../../http/Body.js"
import type { PushEndpoint, PushHandler } from "../../../services/ConnectorDefinition.js"
import { PushReceivers } from "../../../services/PushReceivers.js"
import * as PushConfig from "./PushConfig.js"
import { mailboxOf } from "./Settings.js"

/** A Gmail notification is a few hundred bytes; Pub/Sub's envelope around it stays far below this. */
export const MAX_BODY_BYTES = 64 * 1024
/** Bearer tokens longer than this are not Google's. */
const MAX_JWT_CHARS = 8192

/** Push requests by outcome (accepted, unauthorized, forbidden, invalid, unregistered, unavailable). */
export const pushRequests = Metric.counter("switchboard_gmail_push_requests_total", {
  description: "Gmail Pub/Sub push requests by outcome"
})

/** What Pub/Sub POSTs (both spellings of the ids occur in real pushes). */
const PushBody = Schema.Struct({
  message: Schema.Struct({
    data: Schema.String.pipe(Schema.maxLength(16 * 1024)),
    messageId: Schema.optional(Schema.String),
    message_id: Schema.optional(Schema.String),
    publishTime: Schema.optional(Schema.String)
  }),
  subscription: Schema.optional(Schema.String)
})

/** `message.data`, base64 of JSON; `historyId` is a number in real pushes, a string in Google's docs. */
const Notification = Schema.Struct({
  emailAddress: Schema.String.pipe(Schema.maxLength(320)),
  historyId: Schema.Union(Schema.Int.pipe(Schema.nonNegative()), Schema.String.pipe(Schema.pattern(/^[0-9]{1,20}$/)))
})
export type Notification = typeof Notification.Type

const answer = (status: number, outcome: string, body: Record<string, unknown> | undefined) =>
  Effect.as(
    Metric.increment(Metric.tagged(pushRequests, "outcome", outcome)),
    body === undefined ? HttpServerResponse.empty({ status }) : HttpServerResponse.unsafeJson(body, { status })
  )

const refuse = (status: number, outcome: string, tag: string, message: string, endpoint: string) =>
  Effect.zipRight(
    Effect.logWarning(`gmail push refused (${status}): ${message}`).pipe(Effect.annotateLogs({ endpoint, outcome })),
    answer(status, outcome, { _tag: tag, message })
  )

const sameSecret = (a: string, b: string) => {
  const x = Buffer.from(a, "utf8")
  const y = Buffer.from(b, "utf8")
  return x.length === y.length && timingSafeEqual(x, y)
}

/** Decodes a push body into its notification, or says what is wrong with it. */
export const decodePush = (bytes: Uint8Array): { readonly notification: Notification } | { readonly problem: string } => {
  let json: unknown
  try {
    json = JSON.parse(Buffer.from(bytes).toString("utf8"))
  } catch {
    return { problem: "the body is not JSON" }
  }
  const push = Schema.decodeUnknownOption(PushBody)(json)
  if (Option.isNone(push)) return { problem: "the body is not a Pub/Sub push ({\"message\": {\"data\": …}})" }
  let data: unknown
  try {
    data = JSON.parse(Buffer.from(push.value.message.data, "base64").toString("utf8"))
  } catch {
    return { problem: "message.data is not base64 of JSON" }
  }
  const notification = Schema.decodeUnknownOption(Notification)(data)
  return Option.isNone(notification)
    ? { problem: "message.data is not a Gmail notification ({\"emailAddress\", \"historyId\"})" }
    : { notification: notification.value }
}

type Verdict = "ok" | { readonly status: 401 | 403; readonly message: string }

const handler: Effect.Effect<PushHandler, ConfigError.ConfigError, PushReceivers> = Effect.gen(function*() {
  const receivers = yield* PushReceivers
  const config = yield* PushConfig.FromEnv
  const jwks = createRemoteJWKSet(new URL(config.jwksUrl))

  /** The OIDC bearer: signed by Google for our audience (and service account, when configured). */
  const verifyJwt = (token: string, audience: string): Effect.Effect<Verdict> =>
    Effect.tryPromise(() => jwtVerify(token, jwks, { audience, issuer: PushConfig.ISSUERS })).pipe(
      Effect.map(({ payload }): Verdict => {
        if (Option.isNone(config.serviceAccount)) return "ok"
        return payload["email"] === config.serviceAccount.value && payload["email_verified"] === true
          ? "ok"
          : { status: 403, message: "the OIDC token is not from the configured GMAIL_PUBSUB_SERVICE_ACCOUNT" }
      }),
      Effect.catchAll(() =>
        Effect.succeed<Verdict>({ status: 403, message: "the OIDC token does not verify (signature, audience, issuer or expiry)" })
      )
    )

  const verify = (request: HttpServerRequest.HttpServerRequest): Effect.Effect<Verdict> => {
    const auth = request.headers["authorization"]
    const bearer = auth !== undefined && /^Bearer [^\s]+$/i.test(auth) ? auth.slice(7) : undefined
    if (bearer !== undefined && Option.isSome(config.audience)) {
      return bearer.length > MAX_JWT_CHARS
        ? Effect.succeed({ status: 403, message: "the bearer token is too long to be Google's" })
        : verifyJwt(bearer, config.audience.value)
    }
    if (Option.isSome(config.token)) {
      const url = new URL(request.url, "http://hub")
      const presented = url.searchParams.get("token")
      if (presented === null || presented === "") {
        return Effect.succeed({ status: 401, message: "missing ?token= (or an OIDC bearer token)" })
      }
      return Effect.succeed(
        presented.length <= 1024 && sameSecret(presented, Redacted.value(config.token.value))
          ? "ok"
          : { status: 403, message: "wrong ?token=" }
      )
    }
    return Effect.succeed(
      bearer === undefined && Option.isSome(config.audience)
        ? { status: 401, message: "missing Authorization: Bearer (the push subscription's OIDC token)" }
        : { status: 401, message: "push is not accepted: no verification configured on this hub" }
    )
  }

  const handle = (request: HttpServerRequest.HttpServerRequest, endpoint: string) =>
    Effect.gen(function*() {
      const why = boundedProblem(endpoint, MAX_ENDPOINT_IDENTITY_BYTES)
      if (why !== undefined) {
        return yield* refuse(404, "unregistered", "NotFound", `no Gmail endpoint can have this name: it ${why}`, excerpt(endpoint))
      }
      const mailbox = mailboxOf(endpoint)
      if (Option.isNone(mailbox)) {
        return yield* refuse(404, "unregistered", "NotFound", `"${excerpt(endpoint)}" is not gmail:user:<address>`, excerpt(endpoint))
      }
      if (!PushConfig.isConfigured(config)) {
        return yield* refuse(
          404,
          "unregistered",
          "NotFound",
          "Gmail push is not configured on this hub (GMAIL_PUBSUB_VERIFICATION_TOKEN or GMAIL_PUBSUB_AUDIENCE)",
          endpoint
        )
      }
      const verdict = yield* verify(request)
      if (verdict !== "ok") {
        return yield* refuse(
          verdict.status,
          verdict.status === 401 ? "unauthorized" : "forbidden",
          verdict.status === 401 ? "Unauthorized" : "Forbidden",
          verdict.message,
          endpoint
        )
      }
      const bytes = yield* readBytes(request, MAX_BODY_BYTES)
      const decoded = decodePush(bytes)
      if ("problem" in decoded) return yield* refuse(400, "invalid", "ValidationError", decoded.problem, endpoint)
      if (decoded.notification.emailAddress.toLowerCase() !== mailbox.value) {
        return yield* refuse(400, "invalid", "ValidationError", "message.data is for another mailbox than this endpoint", endpoint)
      }
      const receive = yield* receivers.lookup("gmail", endpoint)
      if (Option.isNone(receive)) {
        return yield* refuse(503, "unavailable", "Unavailable", `the gmail connector for "${endpoint}" is not running in this hub`, endpoint)
      }
      return yield* receive.value(decoded.notification).pipe(
        Effect.zipRight(answer(204, "accepted", undefined)),
        Effect.catchTag("PushFailed", (e) => refuse(503, "unavailable", "Unavailable", e.message, endpoint))
      )
    }).pipe(
      Effect.catchTags({
        PayloadTooLarge: (e) => refuse(413, "invalid", "PayloadTooLarge", e.message, endpoint),
        ValidationError: (e) => refuse(400, "invalid", "ValidationError", e.message, endpoint)
      })
    )

  return handle
})

/** The endpoint the gmail definition declares. */
export const endpoint: PushEndpoint = { path: "/gmail/:endpoint/push", handler }
