/** TelegramWebhookStore in memory, for tests. */
import { Clock, Effect, Layer, Option, Ref } from "effect"
import { TelegramWebhookStore } from "../../services/TelegramWebhookStore.js"
import { hashSecret, sameHash } from "./PgTelegramWebhookStore.js"

export const make = Effect.gen(function*() {
  const hooks = yield* Ref.make(new Map<string, { url: string; hash: string; updatedAt: string }>())
  return TelegramWebhookStore.of({
    save: (endpoint, url, secret) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Ref.update(hooks, (m) =>
          new Map(m).set(endpoint, { url, hash: hashSecret(secret), updatedAt: new Date(now).toISOString() }))),
    check: (endpoint, presented) =>
      Effect.map(Ref.get(hooks), (m) => {
        const hook = m.get(endpoint)
        return hook === undefined ? "unregistered" : sameHash(hook.hash, hashSecret(presented)) ? "valid" : "wrong"
      }),
    get: (endpoint) =>
      Effect.map(Ref.get(hooks), (m) =>
        Option.map(Option.fromNullable(m.get(endpoint)), (h) => ({ endpointIdentity: endpoint, url: h.url, updatedAt: h.updatedAt }))),
    remove: (endpoint) =>
      Ref.update(hooks, (m) => {
        const next = new Map(m)
        next.delete(endpoint)
        return next
      })
  })
})

export const layer = Layer.effect(TelegramWebhookStore, make)
