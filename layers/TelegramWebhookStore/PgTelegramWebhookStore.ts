/** TelegramWebhookStore on Postgres (`telegram_webhooks`). */
import { SqlClient } from "@effect/sql"
import { Clock, Effect, Layer, Option, Redacted } from "effect"
import { createHash, timingSafeEqual } from "node:crypto"
import {
  TelegramWebhookStore,
  TelegramWebhookStoreUnavailable
} from "../../services/TelegramWebhookStore.js"
import * as SqlFailure from "../Database/SqlFailure.js"

export const hashSecret = (secret: Redacted.Redacted<string>) =>
  createHash("sha256").update(Redacted.value(secret), "utf8").digest("hex")

/** Constant-time comparison of two hex digests. */
export const sameHash = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a, "hex"), Buffer.from(b, "hex"))

interface Row {
  readonly endpoint_identity: string
  readonly url: string
  readonly secret_sha256: string
  readonly updated_at: Date
}

export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const guard = SqlFailure.guard((reason) => new TelegramWebhookStoreUnavailable({ message: reason }))
  const row = (endpoint: string) =>
    sql<Row>`SELECT endpoint_identity, url, secret_sha256, updated_at FROM telegram_webhooks
      WHERE endpoint_identity = ${endpoint}`.pipe(Effect.map((rows) => Option.fromNullable(rows[0])), guard)

  return TelegramWebhookStore.of({
    save: (endpoint, url, secret) =>
      Effect.gen(function*() {
        const now = new Date(yield* Clock.currentTimeMillis)
        yield* sql`INSERT INTO telegram_webhooks (endpoint_identity, url, secret_sha256, updated_at)
          VALUES (${endpoint}, ${url}, ${hashSecret(secret)}, ${now})
          ON CONFLICT (endpoint_identity) DO UPDATE
          SET url = EXCLUDED.url, secret_sha256 = EXCLUDED.secret_sha256, updated_at = EXCLUDED.updated_at`
      }).pipe(guard),
    check: (endpoint, presented) =>
      Effect.map(row(endpoint), Option.match({
        onNone: () => "unregistered" as const,
        onSome: (r) => (sameHash(r.secret_sha256, hashSecret(presented)) ? "valid" as const : "wrong" as const)
      })),
    get: (endpoint) =>
      Effect.map(row(endpoint), Option.map((r) => ({
        endpointIdentity: r.endpoint_identity,
        url: r.url,
        updatedAt: r.updated_at.toISOString()
      }))),
    remove: (endpoint) => sql`DELETE FROM telegram_webhooks WHERE endpoint_identity = ${endpoint}`.pipe(Effect.asVoid, guard)
  })
})

export const layer = Layer.effect(TelegramWebhookStore, make)
