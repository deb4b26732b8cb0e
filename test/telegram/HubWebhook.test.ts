/**
 * Webhook mode as production runs it: the real hub composition (Live.hubLayer) with
 * SWITCHBOARD_CONNECTORS=telegram and CONNECTOR_WEBHOOK_URL set hosts the Telegram connector, which
 * registers the webhook with the fake Bot API; Telegram's deliveries to the hub route reach that
 * connector (one PushReceivers registry, one secret store) and land in message_inbox exactly once.
 */
import { HttpServer } from "@effect/platform"
import { SqlClient } from "@effect/sql"
import { assert, layer } from "@effect/vitest"
import { ConfigProvider, Context, Effect, Layer } from "effect"
import * as Path from "node:path"
import * as Live from "../../layers/Live.js"
import { webhookPath } from "../../src/connectors/telegram/Webhook.js"
import { ALLOWED_UPDATES } from "../../services/TelegramApi.js"
import * as FakeTelegram from "../support/FakeTelegram.js"
import { request } from "../support/Http.js"
import * as TestDatabase from "../support/TestDatabase.js"
import { testConfig } from "../support/TestHub.js"
import * as Corpus from "./TelegramCorpus.js"
import * as E2E from "./EndToEnd.js"

const ENDPOINT = "prod_hook_bot"
const WEBHOOK_URL = `https://switchboard.example.org${webhookPath(ENDPOINT)}`

class Fake extends Context.Tag("test/HubWebhook/Fake")<Fake, FakeTelegram.FakeTelegramServer>() {}
class HubUrl extends Context.Tag("test/HubWebhook/HubUrl")<HubUrl, string>() {}

/** The environment the hub reads; nothing from the developer's shell leaks in. */
const hubEnv = (fake: FakeTelegram.FakeTelegramServer, dir: string) =>
  ConfigProvider.fromMap(
    new Map(Object.entries({
      SWITCHBOARD_CONNECTORS: "telegram",
      CONNECTOR_ENDPOINT_IDENTITY: ENDPOINT,
      CONNECTOR_CURSOR_PATH: Path.join(dir, "telegram_cursor.json"),
      CONNECTOR_BLOB_STORE_DIR: Path.join(dir, "blobs"),
      CONNECTOR_WEBHOOK_URL: WEBHOOK_URL,
      CONNECTOR_HEARTBEAT_ENABLED: "false",
      BUTLER_TELEGRAM_TOKEN: E2E.BOT_TOKEN,
      TELEGRAM_API_BASE_URL: fake.url
    })),
    { pathDelim: "_" }
  )

/** The production hub composition over a fresh test database, configured for webhook mode. */
const HubLive = Layer.unwrapScoped(Effect.gen(function*() {
  const fake = yield* Fake
  const dir = yield* E2E.tempDir
  return Live.hubLayer(testConfig, TestDatabase.layer).pipe(
    Layer.locallyEffect(Effect.withConfigProvider(hubEnv(fake, dir)))
  )
}))

const UrlLive = Layer.effect(
  HubUrl,
  Effect.map(HttpServer.HttpServer, ({ address }) =>
    address._tag === "TcpAddress" ? `http://127.0.0.1:${address.port}` : "unix")
)

const post = (url: string, body: unknown, secret?: string) =>
  request(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(secret === undefined ? {} : { "x-telegram-bot-api-secret-token": secret }) },
    body: JSON.stringify(body)
  })

const rows = (updateId: number) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ readonly n: number }>`SELECT count(*)::int AS n FROM message_inbox
      WHERE source_endpoint_identity = ${ENDPOINT} AND external_event_id = ${String(updateId)}`).pipe(
    Effect.map((r) => r[0]?.n ?? 0),
    Effect.orDie
  )

const corpusUpdate = (file: string) => {
  const found = Corpus.updates.find((u) => u.file === file)
  if (found === undefined) throw new Error(`corpus file ${file} is missing`)
  return found.update
}

const FakeLive = Layer.scoped(Fake, FakeTelegram.make(E2E.BOT_TOKEN))
const TestLive = Layer.merge(Layer.provide(UrlLive, HubLive), TestDatabase.layer).pipe(Layer.provideMerge(FakeLive))

layer(TestLive, { excludeTestServices: true, timeout: 120_000 })("telegram webhook mode in the production hub", (it) => {
  it.effect("the hosted connector registers the webhook with a random secret and explicit allowed_updates, and never polls", () =>
    Effect.gen(function*() {
      const fake = yield* Fake
      assert.strictEqual(fake.webhook?.url, WEBHOOK_URL)
      assert.match(fake.webhook?.secret ?? "", /^[A-Za-z0-9_-]{40,256}$/)
      assert.deepStrictEqual(fake.webhook?.allowed, [...ALLOWED_UPDATES])
      assert.strictEqual(fake.calls.get("setWebhook"), 1)
      assert.strictEqual(fake.calls.get("getUpdates") ?? 0, 0)
    }))

  it.effect("a delivery with the right secret lands in message_inbox exactly once; a redelivery is a duplicate, still 200", () =>
    Effect.gen(function*() {
      const fake = yield* Fake
      const url = `${yield* HubUrl}${webhookPath(ENDPOINT)}`
      const update = corpusUpdate("update_message_text.json")
      const secret = fake.webhook?.secret ?? ""
      const first = yield* post(url, update, secret)
      assert.strictEqual(first.status, 200)
      assert.strictEqual(yield* rows(update.update_id), 1)
      const again = yield* post(url, update, secret)
      assert.strictEqual(again.status, 200)
      assert.strictEqual(yield* rows(update.update_id), 1)
      const sql = yield* SqlClient.SqlClient
      const [row] = yield* sql<{ readonly channel: string; readonly key: string }>`SELECT source_channel AS channel,
        dedupe_key AS key FROM message_inbox WHERE source_endpoint_identity = ${ENDPOINT}`
      assert.deepStrictEqual(row, {
        channel: "telegram",
        key: `idem:telegram:telegram:${ENDPOINT}:telegram:${ENDPOINT}:${update.update_id}`
      })
    }))

  it.effect("a missing or wrong secret is 401 and stores nothing", () =>
    Effect.gen(function*() {
      const fake = yield* Fake
      const url = `${yield* HubUrl}${webhookPath(ENDPOINT)}`
      const update = corpusUpdate("update_edited_message.json")
      const missing = yield* post(url, update)
      assert.strictEqual(missing.status, 401)
      const wrong = yield* post(url, update, `${fake.webhook?.secret ?? ""}x`)
      assert.strictEqual(wrong.status, 401)
      assert.strictEqual(yield* rows(update.update_id), 0)
    }))
})
