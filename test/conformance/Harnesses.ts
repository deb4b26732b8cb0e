/**
 * The subjects the conformance suite runs against: the built-ins with their source harnesses (sandbox
 * under TestClock, Telegram and Gmail against their fakes), and any other definition with a generic harness that
 * builds its Source face from its own settings (the process environment) on a live clock.
 */
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import { Context, Duration, Effect, Layer, Option, Redacted, TestClock } from "effect"
import * as MemoryBlobStore from "../../layers/BlobStore/MemoryBlobStore.js"
import * as HttpGmailApi from "../../layers/GmailApi/HttpGmailApi.js"
import * as EnvGmailCredentials from "../../layers/GmailCredentials/EnvGmailCredentials.js"
import * as HttpTelegramApi from "../../layers/TelegramApi/HttpTelegramApi.js"
import { ConnectorConfig } from "../../services/ConnectorConfig.js"
import type { ConnectorDefinition } from "../../services/ConnectorDefinition.js"
import { SourceConnector } from "../../services/SourceConnector.js"
import GmailDefinition from "../../src/connectors/gmail/Definition.js"
import * as GmailConnector from "../../src/connectors/gmail/GmailConnector.js"
import { DEFAULT_EXCLUDE } from "../../src/connectors/gmail/Settings.js"
import OutlookDefinition from "../../src/connectors/outlook/Definition.js"
import SandboxDefinition from "../../src/connectors/sandbox/Definition.js"
import * as Sandbox from "../../src/connectors/sandbox/SandboxConnector.js"
import TelegramDefinition from "../../src/connectors/telegram/Definition.js"
import * as TelegramConnector from "../../src/connectors/telegram/TelegramConnector.js"
import * as FakeGmail from "../support/FakeGmail.js"
import * as FakeTelegram from "../support/FakeTelegram.js"
import type { Subject } from "./Conformance.suite.js"
import type { SourceHarness } from "./SourceConformance.js"

const TELEGRAM_TOKEN = "77:conformance-token"

export const sandbox: Subject = {
  definition: SandboxDefinition,
  env: { SANDBOX_ERROR_RATE: "0", SANDBOX_LATENCY_MS: "0" },
  source: {
    clock: "test",
    data: Effect.succeed({
      from: Option.none(),
      connector: Effect.gen(function*() {
        const source = yield* Sandbox.make("conformance", { ...Sandbox.defaults, ratePerSecond: 1000, total: 20, batchSize: 10 })
        yield* TestClock.adjust("1 second")
        return source
      })
    })
  }
}

export const outlook: Subject = { definition: OutlookDefinition, env: { OUTLOOK_TOKEN: "conformance-token", DRY_RUN: "false" } }

export const telegram: Subject = {
  definition: TelegramDefinition,
  source: {
    clock: "live",
    data: Effect.gen(function*() {
      const fake = yield* FakeTelegram.make(TELEGRAM_TOKEN)
      fake.push(...[1, 2, 3].map((id) => FakeTelegram.textUpdate(id)))
      return { from: Option.none(), connector: telegramOver(fake) }
    })
  }
}

const telegramOver = (fake: FakeTelegram.FakeTelegramServer) =>
  Effect.gen(function*() {
    const context = yield* Layer.build(Layer.merge(
      HttpTelegramApi.layer({
        baseUrl: fake.url,
        token: Redacted.make(TELEGRAM_TOKEN),
        requestTimeout: Duration.seconds(10),
        downloadTimeout: Duration.seconds(10)
      }).pipe(Layer.provide(NodeHttpClient.layerUndici)),
      MemoryBlobStore.layer
    ))
    return yield* TelegramConnector.make({ endpointIdentity: "conformance_bot", webhookUrl: Option.none() }).pipe(Effect.provide(context))
  })

/** The mailbox the fake serves (its credentials are for it). */
const MAILBOX = "user@example.com"

const gmailOver = (fake: FakeGmail.FakeGmailServer) =>
  Effect.gen(function*() {
    const api = HttpGmailApi.layer({ baseUrl: fake.url, tokenUrl: fake.tokenUrl, requestTimeout: Duration.seconds(10) }).pipe(
      Layer.provide(EnvGmailCredentials.layer({
        clientId: fake.oauth.clientId,
        clientSecret: Redacted.make(fake.oauth.clientSecret),
        refreshToken: Redacted.make(fake.oauth.initialRefreshToken)
      })),
      Layer.provide(NodeHttpClient.layerUndici)
    )
    const context = yield* Layer.build(Layer.merge(api, MemoryBlobStore.layer))
    const made = yield* GmailConnector.make({
      endpointIdentity: `gmail:user:${MAILBOX}`,
      mailbox: MAILBOX,
      settings: { pollInterval: Duration.seconds(60), labelInclude: [], labelExclude: DEFAULT_EXCLUDE, pubsub: Option.none() },
      concurrency: 4
    }).pipe(Effect.provide(context))
    return made.connector
  })

export const gmail: Subject = {
  definition: GmailDefinition,
  source: {
    clock: "live",
    data: Effect.gen(function*() {
      const fake = yield* FakeGmail.make({ historyPageSize: 40, listPageSize: 30 })
      const connector = gmailOver(fake)
      // Without a cursor Gmail starts at the mailbox's current history id: the events come after it.
      const start = (yield* (yield* connector).fetch(Option.none())).next
      for (let i = 0; i < 3; i++) fake.addMessage({ shape: "full_text_plain_only" })
      return { from: Option.some(start), connector }
    })
  }
}

/** The built-in subjects by id. */
export const builtins: Readonly<Record<string, Subject>> = { sandbox, outlook, telegram, gmail }

/** A source harness for any SDK definition: its Source face built from its own settings, on a live clock. */
export const genericSource = (definition: ConnectorDefinition): SourceHarness | undefined => {
  const face = definition.source
  if (face === undefined) return undefined
  const config = ConnectorConfig.of({
    endpointIdentity: "conformance",
    cursorStore: "file",
    cursorPath: Option.some(".conformance/cursor.json"),
    deadLetterPath: ".conformance/dead-letter.ndjson",
    pollInterval: Duration.seconds(1),
    maxInflight: 4,
    webhookUrl: Option.none(),
    blobStoreDir: ".conformance/blobs",
    heartbeatInterval: Duration.seconds(120),
    heartbeatEnabled: false,
    shutdownGrace: Duration.zero
  })
  return {
    clock: "live",
    data: Effect.succeed({
      from: Option.none(),
      connector: Effect.map(
        Layer.build(face.layer.pipe(
          Layer.provide(Layer.mergeAll(Layer.succeed(ConnectorConfig, config), NodeContext.layer, NodeHttpClient.layerUndici))
        )),
        (context) => Context.get(context, SourceConnector)
      )
    })
  }
}
