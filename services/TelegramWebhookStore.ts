/**
 * The secret of each registered Telegram webhook (only its SHA-256 is kept), shared by every hub
 * replica and by `switchboard telegram set-webhook`, so the hub can check
 * `X-Telegram-Bot-Api-Secret-Token` on every delivery.
 */
import { Context, type Effect, type Option, type Redacted, Schema } from "effect"

/** The store could not be reached. */
export class TelegramWebhookStoreUnavailable extends Schema.TaggedError<TelegramWebhookStoreUnavailable>()(
  "TelegramWebhookStoreUnavailable",
  { message: Schema.String }
) {}

/** A registered webhook, without its secret. */
export interface TelegramWebhookRecord {
  readonly endpointIdentity: string
  /** The URL given to setWebhook. */
  readonly url: string
  /** ISO time of the registration. */
  readonly updatedAt: string
}

/** What a presented secret is for an endpoint. */
export type SecretCheck = "valid" | "wrong" | "unregistered"

export interface TelegramWebhookStoreService {
  /** Records the secret of a webhook about to be registered with Telegram (replacing the previous one). */
  readonly save: (
    endpointIdentity: string,
    url: string,
    secret: Redacted.Redacted<string>
  ) => Effect.Effect<void, TelegramWebhookStoreUnavailable>
  /** Checks a presented secret in constant time. */
  readonly check: (
    endpointIdentity: string,
    presented: Redacted.Redacted<string>
  ) => Effect.Effect<SecretCheck, TelegramWebhookStoreUnavailable>
  /** The registration of an endpoint. */
  readonly get: (endpointIdentity: string) => Effect.Effect<Option.Option<TelegramWebhookRecord>, TelegramWebhookStoreUnavailable>
  /** Forgets an endpoint's webhook (after deleteWebhook). */
  readonly remove: (endpointIdentity: string) => Effect.Effect<void, TelegramWebhookStoreUnavailable>
}

export class TelegramWebhookStore extends Context.Tag("switchboard/TelegramWebhookStore")<
  TelegramWebhookStore,
  TelegramWebhookStoreService
>() {}
