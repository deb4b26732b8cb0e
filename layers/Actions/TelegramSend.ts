/**
 * telegram.send through the Bot API's `sendMessage` (`POST <base>/bot<token>/sendMessage {chat_id, text}`),
 * to the body's chat_id or TELEGRAM_CHAT_ID_DEFAULT. Errors are `{ok: false, error_code, description,
 * parameters?: {retry_after}}`; retry_after (seconds) is honoured before the Retry-After header. The token
 * is part of the URL, which never leaves this module; only `error_code` is kept.
 */
import { type HttpClient, HttpClientRequest } from "@effect/platform"
import { Effect, Redacted } from "effect"
import type { TelegramSend } from "../../src/domain/ActionCatalog.js"
import type { Issue } from "../../src/domain/Errors.js"
import type { AttemptOptions, ProviderFailure, ProviderSuccess } from "../../services/ActionProviders.js"
import * as ProviderHttp from "./ProviderHttp.js"

export { TELEGRAM_DEFAULT_BASE_URL as DEFAULT_BASE_URL } from "../../src/actions/ProviderSettings.js"

export interface Options {
  readonly baseUrl: string
  readonly token: Redacted.Redacted<string>
  readonly defaultChat: string | null
}

/** A body without chat_id needs TELEGRAM_CHAT_ID_DEFAULT. */
export const precheck = (options: Options) => (payload: TelegramSend): ReadonlyArray<Issue> =>
  payload.chat_id === undefined && options.defaultChat === null
    ? [{ path: "chat_id", message: "is required: TELEGRAM_CHAT_ID_DEFAULT is not set on this hub" }]
    : []

const retryAfterMs = (json: unknown): number | null => {
  const seconds = ProviderHttp.fieldOf(ProviderHttp.fieldOf(json, "parameters"), "retry_after")
  return typeof seconds === "number" && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : null
}

export const make = (client: HttpClient.HttpClient, options: Options) =>
(payload: TelegramSend, _options: AttemptOptions): Effect.Effect<ProviderSuccess, ProviderFailure> =>
  ProviderHttp.exchange(
    client,
    "telegram",
    HttpClientRequest.post(`${options.baseUrl}/bot${Redacted.value(options.token)}/sendMessage`).pipe(
      HttpClientRequest.bodyUnsafeJson({ chat_id: payload.chat_id ?? options.defaultChat, text: payload.text })
    )
  ).pipe(
    Effect.flatMap((reply) =>
      ProviderHttp.settle(
        "telegram",
        reply,
        (json) => {
          const id = ProviderHttp.fieldOf(ProviderHttp.fieldOf(json, "result"), "message_id")
          return ProviderHttp.fieldOf(json, "ok") === true && typeof id === "number"
            ? ({ answer: { status: "sent" }, externalId: String(id) } satisfies ProviderSuccess)
            : undefined
        },
        (json) => {
          const code = ProviderHttp.fieldOf(json, "error_code")
          return typeof code === "number" ? `error_code_${code}` : "unknown"
        },
        retryAfterMs
      )
    )
  )
