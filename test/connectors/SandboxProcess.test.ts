/**
 * End to end: `scripts/switchboard connector sandbox` as a real child process against a real hub on a
 * real socket and database. kill -9 mid-stream and a restart leave every event in the inbox exactly
 * once; SIGTERM exits 0 with a checkpoint that covers exactly what the hub holds.
 */
import { Command, FileSystem } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { Effect, Layer, Metric, Option, Ref, Stream, String as Str } from "effect"
import { ingestResults } from "../../src/metrics/Metrics.js"
import * as Path from "node:path"
import * as TestHub from "../support/TestHub.js"
import { checkpointNext, eventually, hubCheckpointNext, inbox } from "./Inbox.js"

const repo = Path.resolve(import.meta.dirname, "../..")

/** Starts the connector; its stderr is kept (last lines) to explain a failure. */
const startConnector = (env: Record<string, string>, log: Ref.Ref<ReadonlyArray<string>>) =>
  Effect.gen(function*() {
    const process = yield* Command.make("scripts/switchboard", "connector", "sandbox").pipe(
      Command.workingDirectory(repo),
      Command.env(env),
      Command.start
    )
    yield* process.stderr.pipe(
      Stream.decodeText(),
      Stream.splitLines,
      Stream.runForEach((line) => Ref.update(log, (all) => [...all.slice(-40), line])),
      Effect.forkScoped
    )
    return process
  })

const Env = Layer.merge(TestHub.layer, NodeContext.layer)

layer(Env, { excludeTestServices: true, timeout: 240_000 })("sandbox connector as a process", (it) => {
  const setup = (endpoint: string, extra: Record<string, string>) =>
    Effect.gen(function*() {
      const hub = yield* TestHub.TestHub
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped({ prefix: "sandbox-e2e-" })
      const token = yield* hub.mintToken({ channel: "sandbox", provider: "sandbox", endpoint_identity: endpoint })
      const cursor = `${dir}/cursor.json`
      const env = {
        SWITCHBOARD_URL: hub.url,
        SWITCHBOARD_API_TOKEN: token.token,
        CONNECTOR_ENDPOINT_IDENTITY: endpoint,
        CONNECTOR_CURSOR_PATH: cursor,
        CONNECTOR_POLL_INTERVAL_S: "0.2",
        CONNECTOR_HEARTBEAT_INTERVAL_S: "30",
        SWITCHBOARD_LOG_LEVEL: "Info",
        ...extra
      }
      const log = yield* Ref.make<ReadonlyArray<string>>([])
      return { env, cursor, log }
    })

  it.scoped("kill -9 mid-stream, then restart: every event in the inbox exactly once", () =>
    Effect.gen(function*() {
      const total = 400
      const { cursor, env, log } = yield* setup("e2e-kill", {
        SANDBOX_RATE_PER_S: "120",
        SANDBOX_TOTAL: String(total),
        SANDBOX_BATCH_SIZE: "20"
      })
      const first = yield* startConnector(env, log)
      yield* eventually(Effect.map(inbox("e2e-kill"), (r) => r.n >= 100), "the first 100 events")
      yield* first.kill("SIGKILL")
      const atKill = yield* inbox("e2e-kill")
      assert.isBelow(atKill.n, total, "killed mid-stream")

      const second = yield* startConnector(env, log)
      yield* eventually(
        Effect.map(checkpointNext(cursor), (n) => Option.getOrElse(n, () => -1) === total),
        "the checkpoint to reach the end"
      ).pipe(Effect.tapError(() => Effect.flatMap(Ref.get(log), (lines) => Effect.logError(Str.trim(lines.join("\n"))))))
      yield* second.kill("SIGTERM")

      const final = yield* inbox("e2e-kill")
      assert.deepStrictEqual(final, { n: total, distinct_ids: total, low: 0, high: total - 1 })
    }))

  it.scoped("SIGTERM finishes the batch, saves a checkpoint covering exactly what the hub holds, and exits 0", () =>
    Effect.gen(function*() {
      const { cursor, env, log } = yield* setup("e2e-term", { SANDBOX_RATE_PER_S: "80", SANDBOX_BATCH_SIZE: "10" })
      const connector = yield* startConnector(env, log)
      yield* eventually(Effect.map(inbox("e2e-term"), (r) => r.n >= 40), "the first 40 events")
      yield* connector.kill("SIGTERM")
      const code = yield* connector.exitCode
      const lines = yield* Ref.get(log)
      assert.strictEqual(code, 0, lines.join("\n"))
      const saved = yield* checkpointNext(cursor)
      const held = yield* inbox("e2e-term")
      assert.isTrue(Option.isSome(saved))
      assert.deepStrictEqual(held, { n: Option.getOrThrow(saved), distinct_ids: Option.getOrThrow(saved), low: 0, high: Option.getOrThrow(saved) - 1 })
    }))

  it.scoped("CONNECTOR_CURSOR_STORE=hub: kill -9 mid-stream, then restart: every event once and none submitted twice", () =>
    Effect.gen(function*() {
      const total = 400
      const { env, log } = yield* setup("e2e-hub", {
        CONNECTOR_CURSOR_STORE: "hub",
        SANDBOX_RATE_PER_S: "120",
        SANDBOX_TOTAL: String(total),
        SANDBOX_BATCH_SIZE: "20"
      })
      const duplicates = Metric.tagged(Metric.tagged(ingestResults, "outcome", "duplicate"), "channel", "sandbox")
      const before = (yield* Metric.value(duplicates)).count
      const first = yield* startConnector(env, log)
      yield* eventually(Effect.map(inbox("e2e-hub"), (r) => r.n >= 100), "the first 100 events")
      yield* first.kill("SIGKILL")
      assert.isBelow((yield* inbox("e2e-hub")).n, total, "killed mid-stream")

      const second = yield* startConnector(env, log)
      yield* eventually(
        Effect.map(hubCheckpointNext("e2e-hub"), (n) => Option.getOrElse(n, () => -1) === total),
        "the hub-held checkpoint to reach the end"
      ).pipe(Effect.tapError(() => Effect.flatMap(Ref.get(log), (lines) => Effect.logError(Str.trim(lines.join("\n"))))))
      yield* second.kill("SIGTERM")
      assert.strictEqual(yield* second.exitCode, 0)

      assert.deepStrictEqual(yield* inbox("e2e-hub"), { n: total, distinct_ids: total, low: 0, high: total - 1 })
      // The cursor was committed with each batch, so the restart resumed exactly where the hub's rows end.
      assert.strictEqual((yield* Metric.value(duplicates)).count - before, 0)
      assert.isTrue((yield* Ref.get(log)).some((l) => l.includes("resuming from checkpoint hub (sandbox sandbox/sandbox/e2e-hub)")))
      // No checkpoint file was written.
      const fs = yield* FileSystem.FileSystem
      assert.isFalse(yield* fs.exists(env.CONNECTOR_CURSOR_PATH))
    }))
})
