/**
 * The runbook's second way back from webhook to polling: restart without CONNECTOR_WEBHOOK_URL. A
 * starting poller finds the registered webhook (getWebhookInfo), deletes it keeping the pending updates
 * (deleteWebhook drop_pending_updates=false), logs the old URL's host only, and then polls them instead
 * of looping on 409. In the hub, the webhook's secret is forgotten too.
 */
import { HttpServer } from "@effect/platform"
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Context, Duration, Effect, Layer, Logger, Option } from "effect"
import * as Path from "node:path"
import * as Live from "../../layers/Live.js"
import * as TelegramConnector from "../../layers/Connectors/TelegramLive.js"
import { webhookPath } from "../../src/connectors/telegram/Webhook.js"
import { ConnectorConfig, type ConnectorConfigShape } from "../../services/ConnectorConfig.js"
import { SourceConnector } from "../../services/SourceConnector.js"
import { ALLOWED_UPDATES } from "../../services/TelegramApi.js"
import * as FakeTelegram from "../support/FakeTelegram.js"
import { request } from "../support/Http.js"
import * as TestDatabase from "../support/TestDatabase.js"
import { testConfig } from "../support/TestHub.js"
import * as E2E from "./EndToEnd.js"

const ENDPOINT = "rollback_bot"
/** The path and query of a webhook URL may carry secrets: only the host may be logged. */
const OLD_WEBHOOK = `https://hooks.switchboard.example${webhookPath(ENDPOINT)}?key=url-secret-do-not-log`

const env = (vars: Record<string, string>) => ConfigProvider.fromMap(new Map(Object.entries(vars)), { pathDelim: "_" })

/** A webhook as Telegram holds it, with updates it has not delivered yet (not pushed: nothing would receive them). */
const withWebhook = (fake: FakeTelegram.FakeTelegramServer, ids: ReadonlyArray<number>) => {
  fake.webhook = { url: OLD_WEBHOOK, secret: "old-hook-secret", allowed: [...ALLOWED_UPDATES] }
  fake.updates.push(...ids.map((id) => FakeTelegram.textUpdate(id)))
}

const configFor = (dir: string): ConnectorConfigShape => ({
  endpointIdentity: ENDPOINT,
  cursorStore: "file",
  cursorPath: Option.some(Path.join(dir, "cursor.json")),
  deadLetterPath: Path.join(dir, "dead.ndjson"),
  pollInterval: Duration.millis(100),
  maxInflight: 8,
  webhookUrl: Option.none(),
  blobStoreDir: Path.join(dir, "blobs"),
  heartbeatInterval: Duration.seconds(120),
  heartbeatEnabled: false,
  shutdownGrace: Duration.seconds(5)
})

describe("telegram poller start with a webhook registered", () => {
  it.live("deletes the webhook keeping pending updates, logs the host only, then polls them", () =>
    Effect.scoped(Effect.gen(function*() {
      const fake = yield* FakeTelegram.make(E2E.BOT_TOKEN)
      const dir = yield* E2E.tempDir
      withWebhook(fake, [1, 2, 3])
      const logged: Array<[string, string]> = []
      const logger = Logger.make(({ logLevel, message }) => {
        logged.push([logLevel._tag, Array.isArray(message) ? message.map(String).join(" ") : String(message)])
      })
      const context = yield* Layer.build(TelegramConnector.layer.pipe(
        Layer.provide(Layer.succeed(ConnectorConfig, configFor(dir))),
        Layer.provide(Layer.merge(NodeContext.layer, NodeHttpClient.layerUndici))
      )).pipe(
        Effect.withConfigProvider(env({ BUTLER_TELEGRAM_TOKEN: E2E.BOT_TOKEN, TELEGRAM_API_BASE_URL: fake.url })),
        Effect.provide(Logger.replace(Logger.defaultLogger, logger))
      )
      assert.strictEqual(fake.calls.get("getWebhookInfo"), 1)
      assert.deepStrictEqual(fake.deleteWebhookParams, [{ drop_pending_updates: false }])
      assert.isUndefined(fake.webhook)
      assert.deepStrictEqual(fake.updates.map((u) => u["update_id"]), [1, 2, 3])

      const removal = logged.filter(([, m]) => m.includes("removed the Telegram webhook"))
      assert.deepStrictEqual(removal.map(([level]) => level), ["Warning"])
      assert.include(removal[0]?.[1], "hooks.switchboard.example")
      assert.include(removal[0]?.[1], "3 pending updates are kept")
      const all = logged.map(([, m]) => m).join("\n")
      assert.notInclude(all, "url-secret-do-not-log")
      assert.notInclude(all, webhookPath(ENDPOINT))
      assert.notInclude(all, E2E.BOT_TOKEN)

      const batch = yield* Context.get(context, SourceConnector).fetch(Option.none())
      assert.deepStrictEqual(batch.items.map((i) => i.cursor), [1, 2, 3].map((id) => ({ last_update_id: id })))
    })))
})

describe("rollback by restarting the hub without CONNECTOR_WEBHOOK_URL", () => {
  it.live("the restarted hub polls the updates Telegram kept, and the old webhook secret no longer works", () =>
    Effect.scoped(Effect.gen(function*() {
      const fake = yield* FakeTelegram.make(E2E.BOT_TOKEN)
      const dir = yield* E2E.tempDir
      const database = Layer.succeedContext(yield* Layer.build(TestDatabase.layer))
      const hubEnv = (extra: Record<string, string>) =>
        env({
          SWITCHBOARD_CONNECTORS: "telegram",
          CONNECTOR_ENDPOINT_IDENTITY: ENDPOINT,
          CONNECTOR_CURSOR_PATH: Path.join(dir, "telegram_cursor.json"),
          CONNECTOR_BLOB_STORE_DIR: Path.join(dir, "blobs"),
          CONNECTOR_POLL_INTERVAL_S: "0.1",
          CONNECTOR_HEARTBEAT_ENABLED: "false",
          BUTLER_TELEGRAM_TOKEN: E2E.BOT_TOKEN,
          TELEGRAM_API_BASE_URL: fake.url,
          ...extra
        })
      const hub = (extra: Record<string, string>) =>
        Layer.build(Live.hubLayer(testConfig, database)).pipe(Effect.withConfigProvider(hubEnv(extra)))

      // webhook mode: the hub registers the webhook and keeps its secret
      yield* Effect.scoped(hub({ CONNECTOR_WEBHOOK_URL: OLD_WEBHOOK }))
      const oldSecret = fake.webhook?.secret ?? ""
      assert.strictEqual(fake.webhook?.url, OLD_WEBHOOK)
      // updates arrive while the hub is down: Telegram keeps them
      fake.updates.push(...[11, 12, 13].map((id) => FakeTelegram.textUpdate(id)))

      // restart without CONNECTOR_WEBHOOK_URL
      const polling = yield* hub({})
      yield* E2E.waitForRows(ENDPOINT, 3).pipe(Effect.provide(database))
      assert.sameMembers(yield* E2E.inboxIds(ENDPOINT).pipe(Effect.provide(database)), [11, 12, 13])
      assert.deepStrictEqual(fake.deleteWebhookParams, [{ drop_pending_updates: false }])
      assert.isUndefined(fake.webhook)

      const address = Context.get(polling, HttpServer.HttpServer).address
      const url = address._tag === "TcpAddress" ? `http://127.0.0.1:${address.port}${webhookPath(ENDPOINT)}` : ""
      const late = yield* request(url, {
        method: "POST",
        headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": oldSecret },
        body: JSON.stringify(FakeTelegram.textUpdate(14))
      })
      assert.strictEqual(late.status, 404)
    })), 120_000)
})
