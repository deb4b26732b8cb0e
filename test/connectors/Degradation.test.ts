/**
 * Every degradation the runtime sees is counted in the heartbeat it sends, caused for real: a hub refusing
 * an event (dead letter on disk), an unwritable checkpoint directory, a corrupt or foreign checkpoint file,
 * and, against the fake Bot API, a 429 with retry_after and attachments whose download or storage fails.
 * Each is logged once; the heartbeat also carries when the hub last accepted an event.
 */
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Layer, Option, Redacted, Ref, Schedule } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as LocalBlobStore from "../../layers/BlobStore/LocalBlobStore.js"
import * as FileCheckpointStore from "../../layers/CheckpointStore/FileCheckpointStore.js"
import * as MemoryCheckpointStore from "../../layers/CheckpointStore/MemoryCheckpointStore.js"
import * as FileDeadLetters from "../../layers/ConnectorDeadLetters/FileDeadLetters.js"
import * as HttpTelegramApi from "../../layers/TelegramApi/HttpTelegramApi.js"
import { CheckpointStore, type CheckpointStoreService } from "../../services/CheckpointStore.js"
import { ConnectorDeadLetters } from "../../services/ConnectorDeadLetters.js"
import { SourceConnector, type SourceConnectorService } from "../../services/SourceConnector.js"
import { SwitchboardClient } from "../../services/SwitchboardClient.js"
import * as Runtime from "../../src/connectors/runtime/Runtime.js"
import * as TelegramConnector from "../../src/connectors/telegram/TelegramConnector.js"
import * as FakeTelegram from "../support/FakeTelegram.js"
import { capturingLogs, makeHub, makeSource, runtimeOptions, type Verdict } from "./Fakes.js"

const tempDir = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "sw-degradation-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

/** The real runtime over `connector`, a scripted hub, and file-backed stores in `dir`. */
const runtimeOver = (
  connector: SourceConnectorService,
  dir: string,
  options: { readonly verdict?: (id: string) => Verdict; readonly store?: CheckpointStoreService } = {}
) =>
  Effect.gen(function*() {
    const hub = yield* makeHub(options.verdict ?? (() => "accept"))
    const store = options.store ?? (yield* MemoryCheckpointStore.make())
    const letters = yield* FileDeadLetters.make(Path.join(dir, "dead_letters.ndjson"))
    const runtime = yield* Runtime.make(runtimeOptions).pipe(
      Effect.provideService(SourceConnector, connector),
      Effect.provideService(SwitchboardClient, hub.client),
      Effect.provideService(CheckpointStore, store),
      Effect.provideService(ConnectorDeadLetters, letters)
    )
    /** Sends a heartbeat and answers what the hub received in it. */
    const sent = Effect.zipRight(
      runtime.heartbeat.send,
      Effect.map(Ref.get(hub.state), (s) => s.heartbeats.at(-1)!)
    )
    return { hub, runtime, sent }
  }).pipe(Effect.provide(NodeContext.layer))

/** Waits until `check` holds of the next heartbeat (saves run off the poll loop). */
const eventually = <A>(read: Effect.Effect<A>, check: (a: A) => boolean) =>
  read.pipe(
    Effect.repeat({ schedule: Schedule.spaced("20 millis"), until: check }),
    Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => new Error("the heartbeat never showed it") }),
    Effect.orDie
  )

const lines = (logs: ReadonlyArray<{ readonly message: string }>, text: string) => logs.filter((l) => l.message.includes(text)).length

describe("degradations counted by the runtime", () => {
  it.live("a refused event is dead-lettered on disk, counted and logged once; last_submission_at follows acceptances", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempDir
      const source = yield* makeSource({ total: 4, batchSize: 4, readAhead: false })
      const { runtime, sent } = yield* runtimeOver(source.connector, dir, { verdict: (id) => (id === "2" ? "reject" : "accept") })
      const before = Date.now()
      const [, logs] = yield* capturingLogs(runtime.pollOnce)
      const heartbeat = yield* sent
      assert.strictEqual(heartbeat.degradation?.dead_lettered, 1)
      assert.strictEqual(Fs.readFileSync(Path.join(dir, "dead_letters.ndjson"), "utf8").trim().split("\n").length, 1)
      assert.strictEqual(lines(logs, "written to dead letters"), 1)
      const at = Date.parse(heartbeat.last_submission_at ?? "")
      assert.isTrue(at >= before && at <= Date.now(), heartbeat.last_submission_at)
      assert.deepStrictEqual(heartbeat.degradation?.checkpoint_save_failures, 0, "every count is sent, zeros too")
    })))

  it.live("an unwritable checkpoint directory: every failed save is counted", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempDir
      Fs.writeFileSync(Path.join(dir, "not-a-directory"), "")
      const store = yield* FileCheckpointStore.make(Path.join(dir, "not-a-directory", "cursor.json")).pipe(Effect.provide(NodeContext.layer))
      const source = yield* makeSource({ total: 3, batchSize: 3, readAhead: false })
      const { runtime, sent } = yield* runtimeOver(source.connector, dir, { store })
      const [, logs] = yield* capturingLogs(Effect.zipRight(runtime.pollOnce, eventually(sent, (h) => (h.degradation?.checkpoint_save_failures ?? 0) >= 1)))
      assert.strictEqual((yield* sent).degradation?.checkpoint_save_failures, 1)
      assert.strictEqual(lines(logs, "could not save checkpoint"), 1)
    })))

  it.live("a corrupt checkpoint file, and one holding another connector's cursor, are counted at start", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempDir
      const source = yield* makeSource({ total: 1, batchSize: 1 })
      for (const [content, logged] of [["{\"next\": 3", "is corrupt"], ["{\"history_id\": \"5\"}", "does not hold a sandbox cursor"]] as const) {
        const file = Path.join(dir, "cursor.json")
        Fs.writeFileSync(file, content)
        const store = yield* FileCheckpointStore.make(file).pipe(Effect.provide(NodeContext.layer))
        const { runtime, sent } = yield* runtimeOver(source.connector, dir, { store })
        const [, logs] = yield* capturingLogs(runtime.start)
        assert.strictEqual((yield* sent).degradation?.checkpoint_corrupt, 1, content)
        assert.strictEqual(lines(logs, logged), 1)
      }
      const fresh = yield* runtimeOver(source.connector, dir)
      yield* fresh.runtime.start
      assert.strictEqual((yield* fresh.sent).degradation?.checkpoint_corrupt, 0, "no checkpoint yet is not corrupt")
    })))
})

const BOT_TOKEN = "77:degradation-test-token"

/** The Telegram connector over the fake Bot API, storing blobs in `blobDir`. */
const telegram = (fake: FakeTelegram.FakeTelegramServer, blobDir: string) =>
  Effect.gen(function*() {
    const context = yield* Layer.build(Layer.merge(
      HttpTelegramApi.layer({
        baseUrl: fake.url,
        token: Redacted.make(BOT_TOKEN),
        requestTimeout: Duration.seconds(10),
        downloadTimeout: Duration.seconds(10)
      }).pipe(Layer.provide(NodeHttpClient.layerUndici)),
      LocalBlobStore.layer(blobDir).pipe(Layer.provide(NodeContext.layer))
    ))
    return yield* TelegramConnector.make({ endpointIdentity: "degraded_bot", webhookUrl: Option.none() }).pipe(Effect.provide(context))
  })

const photoUpdate = (id: number, fileId: string): FakeTelegram.Json => {
  const { text: _text, ...message } = FakeTelegram.textUpdate(id)["message"] as Record<string, unknown>
  return { update_id: id, message: { ...message, photo: [{ file_id: fileId, file_unique_id: `u${fileId}`, width: 8, height: 8 }] } }
}

describe("degradations of the Telegram connector", () => {
  it.live("a 429 with retry_after is counted with the seconds waited, then the batch goes in", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempDir
      const fake = yield* FakeTelegram.make(BOT_TOKEN)
      const connector = yield* telegram(fake, Path.join(dir, "blobs"))
      const { hub, runtime, sent } = yield* runtimeOver(connector, dir)
      fake.push(FakeTelegram.textUpdate(1))
      fake.inject("getUpdates", {
        status: 429,
        body: { ok: false, error_code: 429, description: "Too Many Requests: retry after 1", parameters: { retry_after: 1 } }
      })
      const [, logs] = yield* capturingLogs(runtime.pollOnce)
      const heartbeat = yield* sent
      assert.strictEqual(heartbeat.degradation?.rate_limited, 1)
      assert.strictEqual(heartbeat.degradation?.rate_limit_wait_s, 1)
      assert.strictEqual(lines(logs, "source rate limited us"), 1)
      assert.strictEqual((yield* Ref.get(hub.state)).accepted.size, 1)
      assert.isDefined(heartbeat.last_submission_at)
    })))

  it.live("a failed download and a failed blob write are media failures and skipped attachments by reason", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempDir
      const blobs = Path.join(dir, "blobs")
      Fs.writeFileSync(blobs, "a file where the blob directory should be")
      const fake = yield* FakeTelegram.make(BOT_TOKEN)
      const connector = yield* telegram(fake, blobs)
      const { hub, runtime, sent } = yield* runtimeOver(connector, dir)
      // getFile names a path the file server does not have: the download answers 404
      fake.push(photoUpdate(1, "photo-gone"))
      fake.inject("getFile", {
        status: 200,
        body: { ok: true, result: { file_id: "photo-gone", file_unique_id: "ugone", file_size: 64, file_path: "photos/gone.jpg" } }
      })
      const [, logs] = yield* capturingLogs(runtime.pollOnce)
      fake.addFile("photo-2", new Uint8Array(64).fill(7), "photos/file_2.jpg")
      fake.push(photoUpdate(2, "photo-2"))
      yield* runtime.pollOnce
      const heartbeat = yield* sent
      assert.strictEqual(fake.calls.get("downloadFile"), 2)
      assert.strictEqual(heartbeat.degradation?.media_failures, 2)
      assert.deepStrictEqual(heartbeat.degradation?.attachments_skipped, { download_failed: 1, storage_failed: 1 })
      assert.strictEqual(lines(logs, "ingested without an attachment"), 1)
      assert.strictEqual((yield* Ref.get(hub.state)).accepted.size, 2, "the messages go in without their attachment")
      assert.deepStrictEqual(heartbeat.source_counters, { "degraded.download_failed": 1, "degraded.storage_failed": 1 })
    })))
})
