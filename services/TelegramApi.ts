/**
 * The raw Telegram Bot API client (https://core.telegram.org/bots/api): only the methods the
 * connector uses. Failures are split by where they happened (grammY-style): Telegram answered
 * `ok: false` (`TelegramApiError`), or no usable answer came back (`TelegramHttpError`).
 */
import { Context, type Effect, type Redacted, Schema } from "effect"

/** The update kinds the connector asks for explicitly (`allowed_updates`). */
export const ALLOWED_UPDATES = ["message", "edited_message", "channel_post", "edited_channel_post"] as const

/** The Bot API's download limit for `getFile` (20 MB). */
export const MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024

/**
 * One update: `update_id` plus whatever else Telegram sent, kept verbatim (it becomes `raw`).
 * The message inside is decoded later, per update, so one odd update cannot block a batch.
 */
export const Update = Schema.Struct(
  { update_id: Schema.Int.pipe(Schema.nonNegative()) },
  Schema.Record({ key: Schema.String, value: Schema.Unknown })
).annotations({ identifier: "TelegramUpdate" })
export type Update = typeof Update.Type

/** `getFile` result: `file_path` is what the download URL needs (valid for at least an hour). */
export const TelegramFile = Schema.Struct({
  file_id: Schema.String,
  file_unique_id: Schema.optional(Schema.String),
  file_size: Schema.optional(Schema.Number),
  file_path: Schema.optional(Schema.String)
}).annotations({ identifier: "TelegramFile" })
export type TelegramFile = typeof TelegramFile.Type

/** `getMe` result. */
export const BotUser = Schema.Struct({
  id: Schema.Number,
  is_bot: Schema.Boolean,
  first_name: Schema.String,
  username: Schema.optional(Schema.String)
}).annotations({ identifier: "TelegramBotUser" })
export type BotUser = typeof BotUser.Type

/** `getWebhookInfo` result (an empty `url` means polling is possible). */
export const WebhookInfo = Schema.Struct({
  url: Schema.String,
  has_custom_certificate: Schema.optional(Schema.Boolean),
  pending_update_count: Schema.Number,
  ip_address: Schema.optional(Schema.String),
  last_error_date: Schema.optional(Schema.Number),
  last_error_message: Schema.optional(Schema.String),
  last_synchronization_error_date: Schema.optional(Schema.Number),
  max_connections: Schema.optional(Schema.Number),
  allowed_updates: Schema.optional(Schema.Array(Schema.String))
}).annotations({ identifier: "TelegramWebhookInfo" })
export type WebhookInfo = typeof WebhookInfo.Type

/** The body of every Bot API answer. */
export const ApiFailureBody = Schema.Struct({
  ok: Schema.Literal(false),
  error_code: Schema.Int,
  description: Schema.String,
  parameters: Schema.optional(Schema.Struct({
    retry_after: Schema.optional(Schema.Number),
    migrate_to_chat_id: Schema.optional(Schema.Number)
  }))
}).annotations({ identifier: "TelegramApiFailure" })

export const apiSuccessBody = <A, I, R>(result: Schema.Schema<A, I, R>) =>
  Schema.Struct({ ok: Schema.Literal(true), result, description: Schema.optional(Schema.String) })

/** Telegram answered `ok: false` (or a non-2xx status): 429, 409, 401/403, 400, 5xx… */
export class TelegramApiError extends Schema.TaggedError<TelegramApiError>()("TelegramApiError", {
  method: Schema.String,
  error_code: Schema.Int,
  description: Schema.String,
  /** seconds, from `parameters.retry_after` or the `Retry-After` header */
  retry_after: Schema.optional(Schema.Number)
}) {
  override get message() {
    return `Telegram ${this.method} answered ${this.error_code}: ${this.description}`
  }
}

/** No usable answer: connection failed, timed out, or the body was not a Bot API answer. */
export class TelegramHttpError extends Schema.TaggedError<TelegramHttpError>()("TelegramHttpError", {
  method: Schema.String,
  reason: Schema.Literal("Transport", "Timeout", "Decode"),
  /** what failed, with the token scrubbed (the token is part of every Bot API URL) */
  detail: Schema.String
}) {
  override get message() {
    return `Telegram ${this.method}: ${this.reason} error: ${this.detail}`
  }
}

/** A file is larger than the Bot API lets a bot download. */
export class TelegramFileTooLarge extends Schema.TaggedError<TelegramFileTooLarge>()("TelegramFileTooLarge", {
  size_bytes: Schema.Number,
  limit_bytes: Schema.Number
}) {}

export type TelegramError = TelegramApiError | TelegramHttpError

export interface GetUpdatesParams {
  /** First update to return; every update below it is confirmed (dropped) by Telegram. */
  readonly offset?: number
  readonly limit: number
  /** Long-poll seconds. */
  readonly timeout: number
  readonly allowed_updates: ReadonlyArray<string>
}

export interface SetWebhookParams {
  readonly url: string
  /** Sent back by Telegram in `X-Telegram-Bot-Api-Secret-Token` with every update. */
  readonly secret_token: Redacted.Redacted<string>
  readonly allowed_updates: ReadonlyArray<string>
  readonly drop_pending_updates?: boolean
  readonly max_connections?: number
}

export interface TelegramApiService {
  /** The bot itself (checks the token). */
  readonly getMe: Effect.Effect<BotUser, TelegramError>
  /** Long-polls for updates from `offset`. */
  readonly getUpdates: (params: GetUpdatesParams) => Effect.Effect<ReadonlyArray<Update>, TelegramError>
  /** Resolves a `file_id` to a downloadable `file_path`. */
  readonly getFile: (fileId: string) => Effect.Effect<TelegramFile, TelegramError>
  /** Downloads `file_path`, failing without reading further once it passes `maxBytes`. */
  readonly downloadFile: (
    filePath: string,
    maxBytes: number
  ) => Effect.Effect<Uint8Array, TelegramError | TelegramFileTooLarge>
  /** Registers a webhook (polling then answers 409). */
  readonly setWebhook: (params: SetWebhookParams) => Effect.Effect<boolean, TelegramError>
  /** Removes the webhook so polling works again. */
  readonly deleteWebhook: (options: { readonly drop_pending_updates: boolean }) => Effect.Effect<boolean, TelegramError>
  /** The current webhook registration. */
  readonly getWebhookInfo: Effect.Effect<WebhookInfo, TelegramError>
}

export class TelegramApi extends Context.Tag("switchboard/TelegramApi")<TelegramApi, TelegramApiService>() {}
