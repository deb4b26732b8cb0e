import { NodeHttpClient } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { Duration, Effect, Layer, Option, Redacted } from "effect"
import * as MemoryBlobStore from "../../layers/BlobStore/MemoryBlobStore.js"
import * as MemoryCheckpointStore from "../../layers/CheckpointStore/MemoryCheckpointStore.js"
import * as MemoryDeadLetters from "../../layers/ConnectorDeadLetters/MemoryDeadLetters.js"
import * as InProcessSwitchboardClient from "../../layers/SwitchboardClient/InProcessSwitchboardClient.js"
import * as HttpTelegramApi from "../../layers/TelegramApi/HttpTelegramApi.js"
import * as Runtime from "../../src/connectors/runtime/Runtime.js"
import * as TelegramConnector from "../../src/connectors/telegram/TelegramConnector.js"
import * as Webhook from "../../src/connectors/telegram/Webhook.js"
import { PushFailed, PushReceivers } from "../../services/PushReceivers.js"
import { SourceConnector } from "../../services/SourceConnector.js"
import { ALLOWED_UPDATES } from "../../services/TelegramApi.js"
import * as FakeTelegram from "../support/FakeTelegram.js"
import { request } from "../support/Http.js"
import * as TestHub from "../support/TestHub.js"
import * as E2E from "./EndToEnd.js"

const ENDPOINT = "hook_bot"

const post = (url: string, body: unknown, secret?: string) =>
  request(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(secret === undefined ? {} : { "x-telegram-bot-api-secret-token": secret }) },
    body: typeof body === "string" ? body : JSON.stringify(body)
  })

/** The Telegram connector in webhook mode hosted in the test hub, as the hub hosts it (in-process client). */
const hostConnector = (fake: FakeTelegram.FakeTelegramServer, webhookUrl: string) =>
  Effect.gen(function*() {
    // built in the caller's scope: the HTTP client must outlive this function
    const api = yield* Layer.build(HttpTelegramApi.layer({
      baseUrl: fake.url,
      token: Redacted.make(E2E.BOT_TOKEN),
      requestTimeout: Duration.seconds(10),
      downloadTimeout: Duration.seconds(10)
    }).pipe(Layer.provide(NodeHttpClient.layerUndici), Layer.merge(MemoryBlobStore.layer)))
    yield* Webhook.register(ENDPOINT, webhookUrl).pipe(Effect.provide(api))
    const connector = yield* TelegramConnector.make({ endpointIdentity: ENDPOINT, webhookUrl: Option.some(webhookUrl) }).pipe(
      Effect.provide(api)
    )
    const runtime = yield* Runtime.make({
      maxInflight: 8,
      pollInterval: Duration.seconds(1),
      shutdownGrace: Duration.seconds(5),
      heartbeatInterval: Option.none()
    }).pipe(
      Effect.provideService(SourceConnector, connector),
      Effect.provide(Layer.mergeAll(
        MemoryCheckpointStore.layer(),
        MemoryDeadLetters.layer,
        InProcessSwitchboardClient.layer(InProcessSwitchboardClient.principalFor("telegram", {
          channel: "telegram",
          provider: "telegram",
          endpoint_identity: ENDPOINT
        }))
      ))
    )
    const receivers = yield* PushReceivers
    yield* receivers.register("telegram", ENDPOINT, (update) =>
      runtime.push(update).pipe(Effect.mapError((e) => new PushFailed({ message: e.message }))))
    return connector
  })

layer(TestHub.layer, { excludeTestServices: true, timeout: 120_000 })("telegram webhook mode", (it) => {
  it.effect("the hub route refuses a missing or wrong secret (401), an unregistered bot (404), and answers 503 with no connector", () =>
    Effect.scoped(Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const fake = yield* FakeTelegram.make(E2E.BOT_TOKEN)
      const url = `${hub.url}${Webhook.webhookPath("other_bot")}`
      assert.strictEqual((yield* post(url, FakeTelegram.textUpdate(1), "anything")).status, 404)
      yield* Webhook.register("other_bot", url).pipe(
        Effect.provide(HttpTelegramApi.layer({
          baseUrl: fake.url,
          token: Redacted.make(E2E.BOT_TOKEN),
          requestTimeout: Duration.seconds(10),
          downloadTimeout: Duration.seconds(10)
        }).pipe(Layer.provide(NodeHttpClient.layerUndici)))
      )
      const secret = fake.webhook?.secret ?? ""
      assert.isAtLeast(secret.length, 40)
      assert.deepStrictEqual(fake.webhook?.allowed, [...ALLOWED_UPDATES])
      const missing = yield* post(url, FakeTelegram.textUpdate(1))
      assert.strictEqual(missing.status, 401)
      assert.include(JSON.stringify(missing.body), "missing X-Telegram-Bot-Api-Secret-Token")
      assert.strictEqual((yield* post(url, FakeTelegram.textUpdate(1), `${secret}x`)).status, 401)
      assert.strictEqual((yield* post(url, "{not json", secret)).status, 400)
      const noConnector = yield* post(url, FakeTelegram.textUpdate(1), secret)
      assert.strictEqual(noConnector.status, 503)
      assert.isNotNull(noConnector.headers.get("retry-after"))
    })))

  it.effect("updates are answered 200 only once accepted: a failing receiver makes Telegram redeliver, nothing is lost", () =>
    Effect.scoped(Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const fake = yield* FakeTelegram.make(E2E.BOT_TOKEN)
      const receivers = yield* PushReceivers
      const webhookUrl = `${hub.url}${Webhook.webhookPath(ENDPOINT)}`
      yield* Effect.scoped(Effect.gen(function*() {
        const connector = yield* hostConnector(fake, webhookUrl)
        assert.isFalse(connector.polling)
        // the hub cannot take updates yet: Telegram keeps them and retries
        yield* receivers.register("telegram", ENDPOINT, () => Effect.fail(new PushFailed({ message: "hub busy" })))
        fake.push(...E2E.range(1, 3).map((id) => E2E.updateOf(fake, id)))
        // Telegram has really tried (and been refused) a few times: its updates are still all there.
        yield* E2E.waitFor("refused webhook deliveries", () => fake.failedDeliveries >= 3)
        assert.strictEqual(fake.updates.length, 3)
        assert.strictEqual((yield* E2E.inboxIds(ENDPOINT)).length, 0)
      }))
      // the connector is back (its registration replaces the failing one)
      yield* hostConnector(fake, webhookUrl)
      fake.push(...E2E.range(4, 300).map((id) => E2E.updateOf(fake, id)))
      yield* E2E.waitForRows(ENDPOINT, E2E.ingestible(E2E.range(1, 300)).length)
      yield* E2E.waitFor("Telegram to drop delivered updates", () => fake.updates.length === 0)
      const ids = yield* E2E.inboxIds(ENDPOINT)
      assert.deepStrictEqual([...ids].sort((a, b) => a - b), E2E.ingestible(E2E.range(1, 300)))
      assert.strictEqual(yield* E2E.attachedCount(ENDPOINT), 1)
    })))
})
