import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Layer, Option, Redacted } from "effect"
import * as MemoryBlobStore from "../../layers/BlobStore/MemoryBlobStore.js"
import * as HttpTelegramApi from "../../layers/TelegramApi/HttpTelegramApi.js"
import * as TelegramLive from "../../layers/Connectors/TelegramLive.js"
import * as TelegramConnector from "../../src/connectors/telegram/TelegramConnector.js"
import { ConnectorConfig, type ConnectorConfigShape } from "../../services/ConnectorConfig.js"
import { SourceConnector } from "../../services/SourceConnector.js"
import { ALLOWED_UPDATES } from "../../services/TelegramApi.js"
import * as FakeTelegram from "../support/FakeTelegram.js"
import { readJson } from "./TelegramCorpus.js"

const TOKEN = "55:connector-test-token"

const withConnector = <A, E>(
  f: (connector: typeof SourceConnector.Service, fake: FakeTelegram.FakeTelegramServer) => Effect.Effect<A, E>
) =>
  Effect.scoped(Effect.gen(function*() {
    const fake = yield* FakeTelegram.make(TOKEN)
    const context = yield* Layer.build(Layer.merge(
      HttpTelegramApi.layer({
        baseUrl: fake.url,
        token: Redacted.make(TOKEN),
        requestTimeout: Duration.seconds(10),
        downloadTimeout: Duration.seconds(10)
      }).pipe(Layer.provide(NodeHttpClient.layerUndici)),
      MemoryBlobStore.layer
    ))
    const connector = yield* TelegramConnector.make({ endpointIdentity: "support_bot", webhookUrl: Option.none() }).pipe(
      Effect.provide(context)
    )
    return yield* f(connector, fake)
  }))

describe("TelegramConnector", () => {
  it.live("polls with explicit allowed_updates, limit 100 and a 25 s long poll; each item carries its own cursor", () =>
    withConnector((connector, fake) =>
      Effect.gen(function*() {
        fake.push(readJson("update_message_text.json"), readJson("update_callback_query.json"), readJson("update_edited_message.json"))
        const batch = yield* connector.fetch(Option.none())
        assert.deepStrictEqual(fake.offsets, [undefined])
        assert.deepStrictEqual(fake.allowedUpdates, [[...ALLOWED_UPDATES]])
        // Telegram answers in update_id order
        assert.deepStrictEqual(batch.items.map((i) => i._tag), ["Skip", "Event", "Event"])
        assert.deepStrictEqual(batch.items.map((i) => i.cursor), [
          { last_update_id: 67981709 },
          { last_update_id: 633291230 },
          { last_update_id: 892252934 }
        ])
        const skip = batch.items.find((i) => i._tag === "Skip")
        assert.strictEqual(skip?._tag === "Skip" ? skip.reason : "", "unsupported update kind: callback_query")
        assert.deepStrictEqual(batch.next, { last_update_id: 892252934 })
        assert.strictEqual(batch.apiCalls, 1)
      })
    ))

  it.live("asks from last_update_id + 1, which confirms (drops) every earlier update at Telegram", () =>
    withConnector((connector, fake) =>
      Effect.gen(function*() {
        fake.push(...[1, 2, 3, 4].map((id) => FakeTelegram.textUpdate(id)))
        const batch = yield* connector.fetch(Option.some({ last_update_id: 2 }))
        assert.deepStrictEqual(fake.offsets, [3])
        assert.deepStrictEqual(batch.items.map((i) => i.cursor), [{ last_update_id: 3 }, { last_update_id: 4 }])
        assert.deepStrictEqual(fake.updates.map((u) => u["update_id"]), [3, 4])
        fake.inject("getUpdates", { status: 200, body: { ok: true, result: [] } })
        const empty = yield* connector.fetch(Option.some({ last_update_id: 4 }))
        assert.deepStrictEqual([empty.items, empty.next], [[], { last_update_id: 4 }])
      })
    ))

  it.live("a set webhook makes polling fail with SourceConflict; media calls are counted", () =>
    withConnector((connector, fake) =>
      Effect.gen(function*() {
        const message = readJson("api_sendDocument_response.json")["result"] as { document: { file_id: string } }
        fake.addFile(message.document.file_id, new Uint8Array([1]), "documents/file_1.docx")
        fake.push({ update_id: 10, message })
        const batch = yield* connector.fetch(Option.none())
        assert.strictEqual(batch.apiCalls, 3)
        const item = batch.items[0]
        assert.strictEqual(item?._tag === "Event" ? item.envelope.payload.attachments?.[0]?.filename : "", "document.docx")
        fake.webhook = { url: "https://example.org/hook", secret: "s", allowed: [] }
        const error = yield* Effect.flip(connector.fetch(Option.some({ last_update_id: 10 })))
        assert.strictEqual(error._tag, "SourceConflict")
      })
    ))

  it.live("accepts only its own cursor shape; a pushed body that is not an Update is skipped", () =>
    withConnector((connector) =>
      Effect.gen(function*() {
        assert.isTrue(connector.acceptsCursor({ last_update_id: 0 }))
        assert.isFalse(connector.acceptsCursor({ last_update_id: -1 }))
        assert.isFalse(connector.acceptsCursor({ history_id: "1" }))
        const pushed = yield* connector.normalizePushed!({ hello: "world" })
        assert.strictEqual(pushed._tag, "Skip")
        const real = yield* connector.normalizePushed!(readJson("official_webhooks_text.json"))
        assert.strictEqual(real._tag, "Event")
      })
    ))

  it.effect("webhook mode outside the hub fails at start with one line saying where it runs", () =>
    Effect.gen(function*() {
      const config: ConnectorConfigShape = {
        endpointIdentity: "support_bot",
        cursorStore: "file",
        cursorPath: Option.some("/tmp/unused.json"),
        deadLetterPath: "/tmp/unused.ndjson",
        pollInterval: Duration.seconds(1),
        maxInflight: 8,
        webhookUrl: Option.some("https://example.org/telegram/support_bot/webhook"),
        blobStoreDir: "/tmp/unused-blobs",
        heartbeatInterval: Duration.seconds(120),
        heartbeatEnabled: true,
        shutdownGrace: Duration.seconds(30)
      }
      const error = yield* Layer.build(TelegramLive.layer).pipe(
        Effect.scoped,
        Effect.provide(Layer.mergeAll(Layer.succeed(ConnectorConfig, config), NodeContext.layer, NodeHttpClient.layerUndici)),
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([
          ["BUTLER_TELEGRAM_TOKEN", "1:x"],
          ["TELEGRAM_API_BASE_URL", "http://127.0.0.1:9"]
        ]))),
        Effect.flip
      )
      assert.strictEqual(error._tag, "ConnectorStartFailed")
      assert.include(error.message, "SWITCHBOARD_CONNECTORS=telegram")
    }))
})
