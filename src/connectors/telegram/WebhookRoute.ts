/**
 * `POST /telegram/{endpoint_identity}/webhook`: Telegram's deliveries in webhook mode. The secret
 * header must match the one registered for the endpoint (401 otherwise), and the answer is 200 only
 * once the hosted connector had the update accepted, so Telegram redelivers anything else.
 * Served by the hub's push routes (src/http/PushRoutes.ts) because the telegram definition declares it.
 */
import { type HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect, Metric, Option, Redacted } from "effect"
import { MAX_ENDPOINT_IDENTITY_BYTES } from "../../domain/Envelope.js"
import { boundedProblem, excerpt } from "../../domain/Text.js"
import type { PushEndpoint, PushHandler } from "../../../services/ConnectorDefinition.js"
import { PushReceivers } from "../../../services/PushReceivers.js"
import { TelegramWebhookStore, TelegramWebhookStoreUnavailable } from "../../../services/TelegramWebhookStore.js"

export const SECRET_HEADER = "x-telegram-bot-api-secret-token"
/** Telegram updates are small; anything bigger is not one. */
export const MAX_BODY_BYTES = 1024 * 1024

/** Webhook deliveries by outcome (accepted, unauthorized, unregistered, invalid, unavailable). */
export const webhookRequests = Metric.counter("switchboard_telegram_webhook_requests_total", {
  description: "Telegram webhook deliveries by outcome"
})

const answer = (status: number, outcome: string, body: Record<string, unknown>) =>
  Effect.as(
    Metric.increment(Metric.tagged(webhookRequests, "outcome", outcome)),
    HttpServerResponse.unsafeJson(body, { status })
  )

const refuse = (status: number, outcome: string, tag: string, message: string, endpoint: string) =>
  Effect.zipRight(
    Effect.logWarning(`telegram webhook refused (${status}): ${message}`).pipe(
      Effect.annotateLogs({ endpoint, outcome })
    ),
    answer(status, outcome, { _tag: tag, message })
  )

const parseJson = (text: string): Option.Option<unknown> => {
  try {
    return Option.some(JSON.parse(text))
  } catch {
    return Option.none()
  }
}

/** The hub's webhook secrets; a hub without the store (none today) answers every delivery 503. */
const storeOf = Effect.map(Effect.serviceOption(TelegramWebhookStore), (store) =>
  Option.getOrElse(store, () => ({
    check: () => Effect.fail(new TelegramWebhookStoreUnavailable({ message: "this hub keeps no Telegram webhook secrets" }))
  })))

const handler: Effect.Effect<PushHandler, never, PushReceivers> = Effect.gen(function*() {
  const store = yield* storeOf
  const receivers = yield* PushReceivers

  const handle = (request: HttpServerRequest.HttpServerRequest, endpoint: string) =>
    Effect.gen(function*() {
      // The path segment is untrusted: one no endpoint identity can have never reaches SQL or a log.
      const why = boundedProblem(endpoint, MAX_ENDPOINT_IDENTITY_BYTES)
      if (why !== undefined) {
        return yield* refuse(404, "unregistered", "NotFound", `no Telegram webhook can exist for this endpoint: its name ${why}`, excerpt(endpoint))
      }
      const presented = request.headers[SECRET_HEADER]
      if (presented === undefined || presented === "") {
        return yield* refuse(401, "unauthorized", "Unauthorized", "missing X-Telegram-Bot-Api-Secret-Token header", endpoint)
      }
      const check = yield* store.check(endpoint, Redacted.make(presented))
      if (check === "unregistered") {
        return yield* refuse(404, "unregistered", "NotFound", `no Telegram webhook is registered for "${endpoint}"`, endpoint)
      }
      if (check === "wrong") {
        return yield* refuse(401, "unauthorized", "Unauthorized", "wrong X-Telegram-Bot-Api-Secret-Token", endpoint)
      }
      const text = yield* request.text
      if (Buffer.byteLength(text, "utf8") > MAX_BODY_BYTES) {
        return yield* refuse(413, "invalid", "PayloadTooLarge", `body over ${MAX_BODY_BYTES} bytes`, endpoint)
      }
      const update = parseJson(text)
      if (Option.isNone(update)) return yield* refuse(400, "invalid", "ValidationError", "body is not JSON", endpoint)
      const receive = yield* receivers.lookup("telegram", endpoint)
      if (Option.isNone(receive)) {
        return yield* refuse(
          503,
          "unavailable",
          "Unavailable",
          `the telegram connector for "${endpoint}" is not running in this hub`,
          endpoint
        )
      }
      return yield* receive.value(update.value).pipe(
        Effect.zipRight(answer(200, "accepted", { ok: true })),
        Effect.catchTag("PushFailed", (e) => refuse(503, "unavailable", "Unavailable", e.message, endpoint))
      )
    }).pipe(
      Effect.catchTags({
        TelegramWebhookStoreUnavailable: (e) =>
          refuse(503, "unavailable", "Unavailable", `webhook secrets unavailable: ${e.message}`, endpoint),
        RequestError: () => refuse(400, "invalid", "ValidationError", "could not read the body", endpoint)
      })
    )

  return handle
})

/** The endpoint the telegram definition declares. */
export const endpoint: PushEndpoint = { path: "/telegram/:endpoint/webhook", handler }
