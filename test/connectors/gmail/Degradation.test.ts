/**
 * The Gmail connector's degradations reach the runtime's heartbeat: against the fake Gmail + OAuth server,
 * a history id Gmail no longer keeps (history.list 404) is a cursor reset and a gap fill, and a refused
 * token refresh (invalid_grant) is an OAuth refresh failure.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Layer, Option, Redacted, Ref } from "effect"
import * as MemoryBlobStore from "../../../layers/BlobStore/MemoryBlobStore.js"
import * as MemoryCheckpointStore from "../../../layers/CheckpointStore/MemoryCheckpointStore.js"
import * as MemoryDeadLetters from "../../../layers/ConnectorDeadLetters/MemoryDeadLetters.js"
import * as HttpGmailApi from "../../../layers/GmailApi/HttpGmailApi.js"
import * as EnvGmailCredentials from "../../../layers/GmailCredentials/EnvGmailCredentials.js"
import { CheckpointStore } from "../../../services/CheckpointStore.js"
import { ConnectorDeadLetters } from "../../../services/ConnectorDeadLetters.js"
import { SourceConnector } from "../../../services/SourceConnector.js"
import { SwitchboardClient } from "../../../services/SwitchboardClient.js"
import * as GmailConnector from "../../../src/connectors/gmail/GmailConnector.js"
import { DEFAULT_EXCLUDE } from "../../../src/connectors/gmail/Settings.js"
import * as Runtime from "../../../src/connectors/runtime/Runtime.js"
import * as FakeGmail from "../../support/FakeGmail.js"
import { capturingLogs, makeHub, runtimeOptions } from "../Fakes.js"

const MAILBOX = "user@example.com"

/** The real runtime over the Gmail connector over the fake server. */
const withRuntime = <A, E>(
  f: (r: Runtime.ConnectorRuntime, fake: FakeGmail.FakeGmailServer, sent: Effect.Effect<unknown>) => Effect.Effect<A, E>
) =>
  Effect.scoped(Effect.gen(function*() {
    const fake = yield* FakeGmail.make({ historyPageSize: 40, listPageSize: 30 })
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
    const hub = yield* makeHub(() => "accept")
    const runtime = yield* Runtime.make(runtimeOptions).pipe(
      Effect.provideService(SourceConnector, made.connector),
      Effect.provideService(SwitchboardClient, hub.client),
      Effect.provideService(CheckpointStore, yield* MemoryCheckpointStore.make()),
      Effect.provideService(ConnectorDeadLetters, yield* MemoryDeadLetters.make)
    )
    const sent = Effect.zipRight(runtime.heartbeat.send, Effect.map(Ref.get(hub.state), (s) => s.heartbeats.at(-1)))
    return yield* f(runtime, fake, sent)
  }))

const degradationOf = (heartbeat: unknown) =>
  (heartbeat as { readonly degradation?: Record<string, unknown> } | undefined)?.degradation ?? {}

describe("degradations of the Gmail connector", () => {
  it.live("history.list 404 (history id too old): one cursor reset and one gap fill in the heartbeat", () =>
    withRuntime((runtime, fake, sent) =>
      Effect.gen(function*() {
        yield* runtime.pollOnce // no checkpoint: starts at the profile's history id
        assert.deepStrictEqual(
          [degradationOf(yield* sent)["cursor_resets"], degradationOf(yield* sent)["gap_fills"]],
          [0, 0]
        )
        Array.from({ length: 5 }, (_, i) => fake.addMessage({ shape: "full_text_plain_only", internalDate: Date.now() + i * 1000 }))
        fake.expireHistoryBefore(String(fake.mailbox.historyId))
        const [, logs] = yield* capturingLogs(Effect.repeat(runtime.pollOnce, { until: (o) => !o.found, times: 10 }))
        const degradation = degradationOf(yield* sent)
        assert.strictEqual(degradation["cursor_resets"], 1)
        assert.strictEqual(degradation["gap_fills"], 1)
        assert.strictEqual(logs.filter((l) => l.message.includes("older than Gmail keeps")).length, 1)
        assert.strictEqual((yield* runtime.state.snapshot).counters.messages_ingested, 5)
      })
    ))

  it.live("a refused token refresh (invalid_grant) is an OAuth refresh failure in the heartbeat", () =>
    withRuntime((runtime, fake, sent) =>
      Effect.gen(function*() {
        yield* runtime.pollOnce
        fake.oauth.revokeRefreshToken()
        fake.revokeAccessTokens()
        const refused = yield* Effect.flip(runtime.pollOnce)
        assert.strictEqual(refused._tag, "SourceUnauthorized")
        assert.strictEqual(degradationOf(yield* sent)["oauth_refresh_failures"], 1)
      })
    ))
})
