/**
 * Webhook registration (runbook: webhook mode, cutover, rollback): a fresh random secret_token is
 * recorded for the hub first, then given to Telegram with explicit allowed_updates, so the hub can
 * check every delivery from the first one on.
 */
import { Effect, Redacted } from "effect"
import { randomBytes } from "node:crypto"
import { ALLOWED_UPDATES, TelegramApi } from "../../../services/TelegramApi.js"
import { TelegramWebhookStore } from "../../../services/TelegramWebhookStore.js"

/** The hub's webhook route for an endpoint. */
export const webhookPath = (endpointIdentity: string) => `/telegram/${encodeURIComponent(endpointIdentity)}/webhook`

/** 256 random bits in Telegram's allowed alphabet (A-Z a-z 0-9 _ -). */
export const newSecret = Effect.sync(() => Redacted.make(randomBytes(32).toString("base64url")))

/** Registers `url` as the bot's webhook with a new secret; the previous secret stops working. */
export const register = (endpointIdentity: string, url: string) =>
  Effect.gen(function*() {
    const api = yield* TelegramApi
    const store = yield* TelegramWebhookStore
    if (!new URL(url).pathname.endsWith(webhookPath(endpointIdentity))) {
      yield* Effect.logWarning(
        `webhook URL does not end with ${webhookPath(endpointIdentity)}: make sure it reaches the hub's webhook route`
      )
    }
    const secret = yield* newSecret
    yield* store.save(endpointIdentity, url, secret)
    yield* api.setWebhook({ url, secret_token: secret, allowed_updates: ALLOWED_UPDATES, drop_pending_updates: false })
    // the host only: a URL's path or query may carry a secret
    yield* Effect.logInfo("Registered Telegram webhook").pipe(
      Effect.annotateLogs({ endpoint: endpointIdentity, webhook_host: new URL(url).host })
    )
  })

/** Removes the bot's webhook so polling works again (pending updates are kept unless dropped). */
export const unregister = (endpointIdentity: string, dropPendingUpdates: boolean) =>
  Effect.gen(function*() {
    const api = yield* TelegramApi
    const store = yield* TelegramWebhookStore
    yield* api.deleteWebhook({ drop_pending_updates: dropPendingUpdates })
    yield* store.remove(endpointIdentity)
    yield* Effect.logInfo("Deleted Telegram webhook").pipe(Effect.annotateLogs({ endpoint: endpointIdentity }))
  })

/** What Telegram and the hub know about the webhook. */
export const info = (endpointIdentity: string) =>
  Effect.gen(function*() {
    const api = yield* TelegramApi
    const store = yield* TelegramWebhookStore
    return { telegram: yield* api.getWebhookInfo, hub: yield* store.get(endpointIdentity) }
  })
